/**
 * Client addresses, on every runtime: validation and normalisation without node:net, the trusted-proxy
 * rule for `X-Forwarded-For`, and the bucket a rate limit counts an address in.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** 4, 6, or 0 when `s` is not an IP address (the WHATWG URL parser validates IPv6 literals). */
export function ipVersion(s: string): 0 | 4 | 6 {
  if (IPV4.test(s)) return 4;
  if (!s.includes(':') || s.length > 45 || /[^0-9a-fA-F:.]/.test(s)) return 0;
  try {
    new URL(`http://[${s}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** `::ffff:203.0.113.9` → `203.0.113.9`, lower case: one client has one spelling. */
export function normaliseIp(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return (mapped?.[1] ?? address).toLowerCase();
}

/**
 * The address `hops` trusted proxies vouch for: the entry the nearest proxy appended is last, so with
 * one proxy it is the last entry, and so on. Null when the header has fewer entries or it is not an IP.
 */
export function forwardedAddress(header: string | undefined, hops: number): string | null {
  if (hops <= 0 || !header) return null;
  const parts = header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const candidate = parts[parts.length - hops];
  return candidate !== undefined && ipVersion(candidate) !== 0 ? normaliseIp(candidate) : null;
}

/**
 * The unit to rate-limit an address by: the address itself for IPv4, its /64 network for IPv6 (one
 * subscriber usually holds a whole /64, so counting single addresses is useless).
 */
export function ipBucket(ip: string): string {
  if (ipVersion(ip) !== 6) return ip;
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
