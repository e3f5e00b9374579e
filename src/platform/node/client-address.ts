/** The client address on Node: the socket peer, or with TRUST_PROXY the entry the proxies vouch for. */
import { forwardedAddress, ipVersion, normaliseIp } from '../../http/client-address.js';
import type { ClientAddress } from '../ports.js';

/** What @hono/node-server passes as `c.env`: the Node request, with its socket. */
type NodeBindings = { incoming?: { socket?: { remoteAddress?: string } } } | undefined;

export function nodeClientAddress(options: { trustProxy: number }): ClientAddress {
  return (c) => {
    const forwarded = forwardedAddress(c.req.header('X-Forwarded-For'), options.trustProxy);
    if (forwarded) return forwarded;
    const address = (c.env as NodeBindings)?.incoming?.socket?.remoteAddress;
    return address !== undefined && ipVersion(address) !== 0 ? normaliseIp(address) : null;
  };
}
