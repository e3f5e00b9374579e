import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/*
 * The peers of bench/http.bench.ts, each run in its own process so the load generator does not share its
 * event loop: `node --import tsx bench/http-target.ts bare|hono`. Prints `{"port":N}` once listening.
 *
 * - bare: node:http (the ceiling);
 * - hono: a Hono app with no middleware on @hono/node-server (the framework's own cost).
 *
 * Both answer `GET /healthz` with `ok`, and `GET /app/login` and `GET /app` with a constant HTML string
 * of the size of the real app's page (BENCH_LOGIN_BYTES, BENCH_APP_BYTES, measured by the bench on the
 * real app first): what serving those pages would cost with no templates, no session and no database.
 */

const variant = process.argv[2] ?? 'hono';

/** A page-shaped HTML string of exactly `bytes` bytes (ASCII). */
function page(bytes: number, title: string): string {
  const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main>`;
  const tail = '</main></body></html>';
  const row = '<p class="row">Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n';
  let body = '';
  while (head.length + body.length + row.length + tail.length <= bytes) body += row;
  return head + body + ' '.repeat(Math.max(0, bytes - head.length - body.length - tail.length)) + tail;
}

const login = page(Number(process.env.BENCH_LOGIN_BYTES ?? 3000), 'Sign in');
const overview = page(Number(process.env.BENCH_APP_BYTES ?? 3000), 'Overview');

function announce(server: Server): void {
  const print = () =>
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  if (server.listening) print();
  else server.once('listening', print);
}

if (variant === 'bare') {
  const html = { 'Content-Type': 'text/html; charset=UTF-8' };
  const server = createServer((req, res) => {
    if (req.url === '/app/login') {
      res.writeHead(200, html);
      res.end(login);
    } else if (req.url === '/app') {
      res.writeHead(200, html);
      res.end(overview);
    } else {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
      res.end('ok');
    }
  });
  server.listen(0, '127.0.0.1');
  announce(server);
} else {
  const app = new Hono();
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/app/login', (c) => c.html(login));
  app.get('/app', (c) => c.html(overview));
  announce(serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server);
}
