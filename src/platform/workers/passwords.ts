/**
 * The passwords port on Cloudflare Workers: argon2id in WebAssembly (argon2-wasm-edge, whose .wasm
 * files are byte-identical to hash-wasm 4.11.0's; it adds only a way to hand in compiled modules).
 * workerd refuses to compile WebAssembly from bytes at run time, so the modules arrive already
 * compiled: the Worker entry imports the two .wasm files (argon2-wasm.ts) and passes them here.
 * Same parameters and PHC strings as Node (src/auth/passwords.ts), so hashes move between runtimes.
 *
 * Chosen over the alternatives by measurement at the same parameters (m = 19 MiB, t = 2, p = 1) on a
 * 2-core machine (bench/passwords.bench.ts): ~80–100 ms per hash or verify in workerd, against
 * ~20–28 ms for @node-rs/argon2 natively; @noble/hashes' pure-JS argon2id gives the same bytes but
 * took ~360 ms in Node and ~400 ms in workerd; hash-wasm compiles its embedded WASM from bytes at
 * run time, which workerd refuses. A Worker therefore needs the paid plan's CPU limit: the free
 * plan's 10 ms per request cannot run OWASP argon2id with any implementation.
 */
import { argon2id, setWASMModules } from 'argon2-wasm-edge';
import {
  type Argon2id,
  createPasswords,
  type Passwords,
  type PasswordsOptions,
} from '../../auth/passwords.js';

export interface Argon2WasmModules {
  argon2: WebAssembly.Module;
  blake2b: WebAssembly.Module;
}

export function workersArgon2id(modules: Argon2WasmModules): Argon2id {
  // The library keeps one module cache per isolate; setting it again with the same modules is harmless.
  void setWASMModules({ argon2WASM: modules.argon2, blake2bWASM: modules.blake2b });
  return (password, salt, params) =>
    argon2id({
      password,
      salt,
      iterations: params.passes,
      parallelism: params.parallelism,
      memorySize: params.memoryKiB,
      hashLength: params.hashLength,
      outputType: 'binary',
    });
}

/*
 * An isolate runs JavaScript on one thread, and a WASM hash does not yield while it runs, so a second
 * concurrent hash only adds 19 MiB of memory (of 128 MiB) and waits anyway. One at a time, a short
 * queue (~0.4 s of work), then 503: another isolate or a retry does better than a long wait.
 */
export function workersPasswords(modules: Argon2WasmModules, options: PasswordsOptions = {}): Passwords {
  return createPasswords(workersArgon2id(modules), { maxConcurrent: 1, maxQueued: 4, ...options });
}
