import { Hono } from 'hono';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppEnv } from '../../src/http/index.js';
import { DEFAULT_MAX_FIELDS, readForm } from '../../src/http/index.js';
import { buildApp, JSON_ACCEPT } from './support.js';

const URLENCODED = { 'Content-Type': 'application/x-www-form-urlencoded' };

interface ErrorJson {
  error: { status: number; message: string; fields?: Record<string, string> };
}

function formApp() {
  let result: unknown;
  const { app } = buildApp((app) => {
    app.post('/form', async (c) => {
      const form = await readForm(c);
      result = form;
      return c.json({ keys: Object.keys(form), proto: Object.getPrototypeOf(form), form });
    });
    app.post('/small', async (c) => c.json(await readForm(c, { maxFields: 3, maxValueLength: 5 })));
    app.post('/files', async (c) => {
      const form = await readForm(c, { allowFiles: true });
      const doc = form.doc;
      return c.json({
        name: doc instanceof File ? doc.name : null,
        size: doc instanceof File ? doc.size : null,
      });
    });
  });
  return { app, last: () => result };
}

async function post(
  app: Hono<AppEnv>,
  path: string,
  body: BodyInit | null,
  headers: Record<string, string> = URLENCODED,
) {
  return app.request(path, { method: 'POST', body, headers: { ...headers, ...JSON_ACCEPT } });
}

describe('readForm', () => {
  it('parses urlencoded fields, decoding + and percent escapes', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', 'name=Ada+Lovelace&note=caf%C3%A9%20%26%20more&empty=');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { form: Record<string, unknown> };
    expect(body.form).toEqual({ name: 'Ada Lovelace', note: 'café & more', empty: '' });
  });

  it('turns repeated keys into an array, in order', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', 'tag=a&other=x&tag=b&tag=c');
    expect(((await res.json()) as { form: unknown }).form).toEqual({ tag: ['a', 'b', 'c'], other: 'x' });
  });

  it('keeps __proto__, constructor and prototype as plain data in a null-prototype record', async () => {
    const { app, last } = formApp();
    const res = await post(app, '/form', '__proto__=polluted&constructor=x&prototype=y&__proto__=again');
    expect(res.status).toBe(200);
    const form = last() as Record<string, unknown>;
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.keys(form)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.getOwnPropertyDescriptor(form, '__proto__')?.value).toEqual(['polluted', 'again']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('reads an empty urlencoded body, and a body-less POST without a content type, as no fields', async () => {
    const { app } = formApp();
    const empty = await post(app, '/form', '');
    expect(((await empty.json()) as { keys: string[] }).keys).toEqual([]);
    const bare = await app.request('/form', { method: 'POST' });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as { keys: string[] }).keys).toEqual([]);
  });

  it('accepts a UTF-8 charset parameter and mixed-case media type', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', 'a=1', {
      'Content-Type': 'Application/X-WWW-Form-Urlencoded; charset="UTF-8"',
    });
    expect(res.status).toBe(200);
  });

  for (const [what, type, body] of [
    ['JSON', 'application/json', '{"a":1}'],
    ['text/plain', 'text/plain', 'a=1'],
    ['XML', 'application/xml', '<a>1</a>'],
    ['a missing content type with a body', '', 'a=1'],
    ['a non-UTF-8 charset', 'application/x-www-form-urlencoded; charset=iso-8859-1', 'a=1'],
  ] as const) {
    it(`refuses ${what} with 415`, async () => {
      const { app } = formApp();
      const headers: Record<string, string> = type === '' ? {} : { 'Content-Type': type };
      const res = await post(app, '/form', type === '' ? new TextEncoder().encode(body) : body, headers);
      expect(res.status).toBe(415);
      expect(((await res.json()) as ErrorJson).error.message).toContain('application/x-www-form-urlencoded');
    });
  }

  it(`refuses more than ${DEFAULT_MAX_FIELDS} fields by default, and a custom maximum`, async () => {
    const { app } = formApp();
    const many = Array.from({ length: DEFAULT_MAX_FIELDS + 1 }, (_, i) => `f${i}=x`).join('&');
    const res = await post(app, '/form', many);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toBe(
      `The form has more than ${DEFAULT_MAX_FIELDS} fields.`,
    );
    const exactly = Array.from({ length: DEFAULT_MAX_FIELDS }, (_, i) => `f${i}=x`).join('&');
    expect((await post(app, '/form', exactly)).status).toBe(200);
    // Repeats count: the same key four times is four fields.
    expect((await post(app, '/small', 'a=1&a=2&a=3&a=4')).status).toBe(400);
  });

  it('refuses a value over the length limit, naming the field', async () => {
    const { app } = formApp();
    const res = await post(app, '/small', 'short=abc&long=abcdef');
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.message).toBe('The field "long" is longer than 5 characters.');
    expect(body.error.fields).toEqual({ long: 'Use at most 5 characters.' });
  });

  it('refuses an overlong field name', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', `${'k'.repeat(201)}=v`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toMatch(/field name is longer than 200/);
  });

  it('reads multipart text fields the same way', async () => {
    const { app } = formApp();
    const form = new FormData();
    form.append('name', 'Ada');
    form.append('tag', 'a');
    form.append('tag', 'b');
    const res = await app.request('/form', { method: 'POST', body: form });
    expect(((await res.json()) as { form: unknown }).form).toEqual({ name: 'Ada', tag: ['a', 'b'] });
  });

  it('refuses a file in a multipart form unless files are allowed', async () => {
    const { app } = formApp();
    const form = new FormData();
    form.append('doc', new File(['%PDF-1.7'], 'policy.pdf', { type: 'application/pdf' }));
    const refused = await app.request('/form', { method: 'POST', body: form, headers: JSON_ACCEPT });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as ErrorJson).error.message).toBe(
      'This form does not accept file uploads.',
    );
    const allowed = await app.request('/files', { method: 'POST', body: form });
    expect(await allowed.json()).toEqual({ name: 'policy.pdf', size: 8 });
  });

  it('answers an unreadable multipart body with 400', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', '--nope\r\ngarbage', {
      'Content-Type': 'multipart/form-data; boundary=xyz',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toBe(
      'The form data could not be read. Submit the form again.',
    );
  });

  it('can be read twice in one request (the body text is cached)', async () => {
    const app = new Hono();
    app.post('/', async (c) => {
      const first = await readForm(c);
      const second = await readForm(c);
      return c.json([first, second]);
    });
    const res = await app.request('/', { method: 'POST', body: 'a=1', headers: URLENCODED });
    expect(await res.json()).toEqual([{ a: '1' }, { a: '1' }]);
  });
});

describe('readForm: characters no database text can store', () => {
  const bad: Array<[string, string]> = [
    ['a NUL byte in a value', 'answer=before%00after'],
    ['a NUL byte alone', 'answer=%00'],
    ['a NUL byte in a name', 'ans%00wer=x'],
  ];
  for (const [what, body] of bad) {
    it(`refuses ${what} with 400 and a clear message`, async () => {
      const { app } = formApp();
      const res = await post(app, '/form', body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as ErrorJson;
      expect(error.message).toContain('contains a character that cannot be stored (a NUL byte');
      expect(error.message).not.toContain('\u0000');
    });
  }

  it('names the field whose value is refused, and marks it', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', 'name=Ada&answer=x%00');
    const { error } = (await res.json()) as ErrorJson;
    expect(error.message).toBe(
      'The field "answer" contains a character that cannot be stored (a NUL byte or an unpaired surrogate). Remove it and try again.',
    );
    expect(error.fields).toEqual({ answer: 'Remove the NUL byte or unpaired surrogate from this value.' });
  });

  it('refuses NUL in multipart text fields and in file names', async () => {
    const { app } = formApp();
    const text = new FormData();
    text.append('answer', 'a\u0000b');
    expect((await app.request('/form', { method: 'POST', body: text })).status).toBe(400);
    const file = new FormData();
    file.append('doc', new File(['%PDF'], 'pol\u0000icy.pdf', { type: 'application/pdf' }));
    const res = await app.request('/files', { method: 'POST', body: file, headers: JSON_ACCEPT });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorJson).error.message).toContain('The file name in the field "doc"');
  });

  it('keeps what UTF-8 can carry: emoji (surrogate pairs), accents, other control characters', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', `a=${encodeURIComponent('🔐 café\ttab\u0001')}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { form: unknown }).form).toEqual({ a: '🔐 café\ttab\u0001' });
  });

  it('turns invalid UTF-8 (which could decode to a lone surrogate elsewhere) into U+FFFD, not a 500', async () => {
    const { app } = formApp();
    const res = await post(app, '/form', 'a=%ED%A0%80');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { form: { a: string } }).form.a).not.toMatch(/[\uD800-\uDFFF]/);
  });
});

describe.skipIf(!inject('pgAvailable'))('readForm in front of PostgreSQL', () => {
  const client = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  });
  beforeAll(async () => {
    await client.connect();
    await client.query('CREATE TEMP TABLE answers (answer text)');
  });
  afterAll(async () => {
    await client.end();
  });

  it('answers a NUL byte with 400 and writes nothing, where PostgreSQL would have failed with a 500', async () => {
    // What the reviewer saw: PostgreSQL refuses the value itself.
    await expect(client.query('INSERT INTO answers VALUES ($1)', ['x\u0000'])).rejects.toMatchObject({
      code: '22021',
    });
    const { app } = buildApp((app) =>
      app.post('/answer', async (c) => {
        const form = await readForm(c);
        await client.query('INSERT INTO answers VALUES ($1)', [form.answer]);
        return c.text('saved');
      }),
    );
    const res = await post(app, '/answer', 'answer=We%20encrypt%00backups');
    expect(res.status).toBe(400);
    expect((await client.query('SELECT count(*)::int AS n FROM answers')).rows[0].n).toBe(0);
    const ok = await post(app, '/answer', 'answer=We%20encrypt%20backups');
    expect(ok.status).toBe(200);
    expect((await client.query('SELECT count(*)::int AS n FROM answers')).rows[0].n).toBe(1);
  });
});
