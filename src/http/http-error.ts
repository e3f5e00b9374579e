// Moved to src/errors.ts (domain code throws it without depending on the HTTP layer); this re-export
// keeps the HTTP modules' imports until they are updated.
export * from '../errors.js';
