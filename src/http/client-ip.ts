import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export interface ClientIpOptions {
  /**
   * How many reverse proxies in front of the app append to `X-Forwarded-For`. 0 (default):
   * the header is ignored, because any client can send it. 1: the address the nearest proxy
   * appended (the last entry) is used, and so on. Set it only when every request comes
   * through those proxies, or a client can still choose its own address.
   */
  trustProxy?: number;
}

/** `::ffff:203.0.113.9` → `203.0.113.9`, so one client has one spelling. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return (mapped?.[1] ?? address).toLowerCase();
}

/**
 * The client's IP address: from the socket (via `@hono/node-server`'s `getConnInfo`), or,
 * with `trustProxy`, from the configured position in `X-Forwarded-For`. Null when neither is
 * available (another runtime, or `app.request()` in tests without a socket) or the value is
 * not an IP address.
 */
export function clientIp(c: Context, options: ClientIpOptions = {}): string | null {
  const hops = options.trustProxy ?? 0;
  if (hops > 0) {
    const forwarded = (c.req.header('X-Forwarded-For') ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0);
    const candidate = forwarded[forwarded.length - hops];
    if (candidate !== undefined && isIP(candidate) !== 0) return normalise(candidate);
  }
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    // No Node socket on the context (tests through app.request(), other runtimes).
    return null;
  }
  return address !== undefined && isIP(address) !== 0 ? normalise(address) : null;
}

/**
 * The unit to rate-limit an address by: the address itself for IPv4, its /64 network for
 * IPv6 (one subscriber usually holds a whole /64, so counting single addresses is useless).
 */
export function ipBucket(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
