// Worker threads start without the test runner's TypeScript loader: register tsx, then run the module.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
