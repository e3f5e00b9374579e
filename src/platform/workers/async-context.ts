/** The process's one AsyncLocalStorage (src/db/async-context.ts), which workerd provides with nodejs_compat. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Frame, sharedAsyncContext } from '../../db/async-context.js';

export const asyncContext = sharedAsyncContext(new AsyncLocalStorage<Frame>());
