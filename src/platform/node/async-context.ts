/** The process's one AsyncLocalStorage (src/db/async-context.ts): the audit client and every store's unit tracker. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type Frame, sharedAsyncContext } from '../../db/async-context.js';

export const asyncContext = sharedAsyncContext(new AsyncLocalStorage<Frame>());
