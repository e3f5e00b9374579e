import { describe, expect, it } from 'vitest';
import { readJson } from '../../src/http/index.js';
import { buildApp, JSON_ACCEPT } from './support.js';

interface ErrorJson {
  error: { status: number; message: string };
}

function jsonApp() {
  let handled = 0;
  const { app } = buildApp((app) =>
    app.post('/api/things', async (c) => {
      const body = await readJson(c);
      handled += 1;
      return c.json(body);
    }),
  );
  const send = (body: string) =>
    app.request('/api/things', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', ...JSON_ACCEPT },
    });
  return { send, handled: () => handled };
}

describe('readJson: characters no database text can store', () => {
  it.each([
    ['a NUL in a value', '{"answers":{"q1":"a\\u0000b"}}', 'The value at answers.q1'],
    ['a lone high surrogate', '{"note":"\\ud800"}', 'The value at note'],
    ['a lone low surrogate in an array', '{"items":["ok","\\udc00x"]}', 'The value at items.1'],
    ['a NUL in a key', '{"answers":{"q\\u0000":"x"}}', 'A key in answers'],
    ['a NUL in a top-level key', '{"\\u0000":1}', 'A key in the body'],
    ['a bare string body', '"\\u0000"', 'The body'],
  ])('refuses %s with 400, saying where', async (_what, body, where) => {
    const { send, handled } = jsonApp();
    const res = await send(body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorJson;
    expect(error.message).toBe(
      `${where} contains a character that cannot be stored (a NUL byte or an unpaired surrogate). Remove it and try again.`,
    );
    expect(handled()).toBe(0);
  });

  it('accepts surrogate pairs (escaped or not), accents and other escapes', async () => {
    const { send } = jsonApp();
    const res = await send('{"a":"\\ud83d\\udd10 🔐 café\\t\\u0001"}');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ a: '🔐 🔐 café\t\u0001' });
  });

  it('walks nesting deeper than the call stack without failing', async () => {
    const { send } = jsonApp();
    const depth = 100_000;
    const deep = `${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`;
    const res = await send(deep);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toMatch(
      /^The value at 0\.0\.0\.0\.0\.0\.…\.0\.0\.0\.0\.0\.0 contains/,
    );
  });
});
