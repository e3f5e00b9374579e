/** Rate limits keyed on the platform's client address, failing closed when the address is unknown. */
import type { Context, MiddlewareHandler } from 'hono';
import type { Ports } from '../platform/ports.js';
import { ipBucket } from './client-address.js';
import { type RateLimitHit, rateLimit } from './rate-limit.js';

export function limitByAddress(
  platform: Pick<Ports, 'rateLimits' | 'clientAddress'> & Partial<Pick<Ports, 'clock'>>,
  name: string,
  limit: number,
  windowMs: number,
  onLimited?: (c: Context, hit: RateLimitHit) => void,
): MiddlewareHandler {
  const { clock } = platform;
  return rateLimit({
    store: platform.rateLimits,
    name,
    limit,
    windowMs,
    ...(onLimited ? { onLimited } : {}),
    // Retry-After from the platform's clock, the one the counters run on.
    ...(clock ? { now: () => clock.now().getTime() } : {}),
    key: (c) => {
      const ip = platform.clientAddress(c);
      return ip && ipBucket(ip);
    },
  });
}
