/** Rate limits keyed on the platform's client address, failing closed when the address is unknown. */
import type { MiddlewareHandler } from 'hono';
import type { Ports } from '../platform/ports.js';
import { ipBucket } from './client-address.js';
import { rateLimit } from './rate-limit.js';

export function limitByAddress(
  platform: Pick<Ports, 'rateLimits' | 'clientAddress'>,
  name: string,
  limit: number,
  windowMs: number,
): MiddlewareHandler {
  return rateLimit({
    store: platform.rateLimits,
    name,
    limit,
    windowMs,
    key: (c) => {
      const ip = platform.clientAddress(c);
      return ip && ipBucket(ip);
    },
  });
}
