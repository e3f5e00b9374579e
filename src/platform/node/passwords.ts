/**
 * The passwords port on Node: argon2id from @node-rs/argon2 (Rust, native), OWASP parameters. The
 * PHC format, normalisation and limits are the shared ones in src/auth/passwords.ts, so a hash made
 * here verifies on Workers and the other way round.
 */
import { availableParallelism } from 'node:os';
import { hashRaw } from '@node-rs/argon2';
import {
  type Argon2id,
  createPasswords,
  type Passwords,
  type PasswordsOptions,
} from '../../auth/passwords.js';

export const nodeArgon2id: Argon2id = (password, salt, params) =>
  hashRaw(password, {
    salt,
    memoryCost: params.memoryKiB,
    timeCost: params.passes,
    parallelism: params.parallelism,
    outputLen: params.hashLength,
    algorithm: 2, // Algorithm.Argon2id; the const enum itself cannot be imported under isolatedModules.
  });

/*
 * hashRaw runs on libuv's thread pool (UV_THREADPOOL_SIZE, default 4), which file reads, DNS and zlib
 * share. Hashing on every core would leave the event loop and those users waiting behind it, so the
 * default keeps one core and one pool thread free: on a 2-core machine one hash runs at a time
 * (bench/passwords.bench.ts measures what the others see during a burst).
 */
export function nodeHashingSlots(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(availableParallelism() - 1, pool - 1));
}

export function nodePasswords(options: PasswordsOptions = {}): Passwords {
  const maxConcurrent = options.maxConcurrent ?? nodeHashingSlots();
  // Enough waiting room for ~0.5 s of work at ~20 ms per hash; beyond that a client is better told to retry.
  const maxQueued = options.maxQueued ?? 24 * maxConcurrent;
  return createPasswords(nodeArgon2id, { ...options, maxConcurrent, maxQueued });
}
