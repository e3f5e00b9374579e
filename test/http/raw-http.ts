import type { Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/index.js';

/** A real @hono/node-server on a loopback port; `close()` also ends kept-alive connections. */
export async function startNodeServer(
  app: Hono<AppEnv>,
  prepare: (server: Server) => void = () => {},
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  prepare(server);
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RawResponse {
  /** Everything the server sent before it closed (or `timeoutMs` passed). */
  text: string;
  /** The status code from the first status line; 0 if none arrived. */
  status: number;
  /** Header names in lower case; for a repeated header, the values joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** ms from connecting to the first byte from the server (0: none came). */
  firstByteMs: number;
  /** ms from connecting until the server closed the socket; null if it was still open at `timeoutMs`. */
  closedMs: number | null;
}

/**
 * Opens a TCP connection, lets `send` write whatever it likes (a malformed request line, half
 * the headers, a body in one-byte chunks) and collects the reply until the server closes the
 * connection or `timeoutMs` passes. Write errors (the server closing first) are ignored: what
 * the server answered is the point.
 */
export function rawExchange(
  port: number,
  send: (socket: Socket) => void,
  options: { timeoutMs?: number } = {},
): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    const started = performance.now();
    let firstByteMs = 0;
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => send(socket));
    socket.on('data', (data: Buffer) => {
      firstByteMs ||= Math.max(1, Math.round(performance.now() - started));
      chunks.push(data);
    });
    socket.on('error', () => {});
    const finish = (closedMs: number | null) => {
      clearTimeout(timer);
      resolve(parse(Buffer.concat(chunks).toString('latin1'), firstByteMs, closedMs));
    };
    const timer = setTimeout(() => {
      socket.removeAllListeners('close');
      socket.destroy();
      finish(null);
    }, timeoutMs);
    socket.on('close', () => finish(Math.round(performance.now() - started)));
  });
}

function parse(text: string, firstByteMs: number, closedMs: number | null): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return {
    text,
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: end === -1 ? '' : text.slice(end + 4),
    firstByteMs,
    closedMs,
  };
}

/** `count` chunks of one byte each, chunked-encoded, with the terminating chunk. */
export function oneByteChunks(count: number): Buffer {
  return Buffer.from(`${'1\r\na\r\n'.repeat(count)}0\r\n\r\n`);
}
