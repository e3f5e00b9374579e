import { randomBytes, randomUUID } from 'node:crypto';

/** Random, unguessable ids (UUIDv4: 122 random bits). Never sequential. */
export const newId = (): string => randomUUID();

/** A 256-bit random secret for links and sessions, base64url. Only its hash is stored. */
export const newSecret = (): string => randomBytes(32).toString('base64url');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Ids from outside (URLs, forms) are checked before they reach a query. */
export const isId = (s: unknown): s is string => typeof s === 'string' && UUID.test(s);
