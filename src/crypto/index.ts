/** Platform-neutral crypto helpers: hashing, encodings, randomness. */
export * from './encoding.js';
export * from './hash.js';
export * from './random.js';
