/**
 * The compiled argon2 WebAssembly modules for the Worker entry. Wrangler's default module rules turn a
 * `.wasm` import into a WebAssembly.Module at deploy time, the only way workerd runs WASM. Node cannot
 * import this file; Node tests compile the same files from disk (test/auth/support.ts).
 */
import argon2 from 'argon2-wasm-edge/wasm/argon2.wasm';
import blake2b from 'argon2-wasm-edge/wasm/blake2b.wasm';
import type { Argon2WasmModules } from './passwords.js';

export const argon2WasmModules: Argon2WasmModules = { argon2, blake2b };
