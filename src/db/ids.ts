export { newId, newSecret } from '../crypto/random.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Ids from outside (URLs, forms) are checked before they reach a query. */
export const isId = (s: unknown): s is string => typeof s === 'string' && UUID.test(s);
