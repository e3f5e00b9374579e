import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/env.js';
import { accessLog, requestId, sanitizePath } from '../../src/http/index.js';
import { createLogger, type NodeLogger } from '../../src/platform/node/logger.js';
import { buildApp, captureLog } from './support.js';

const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoidnJwLWxpbmsrand0In0.eyJzdWIiOiJhZGFAZXhhbXBsZS5jb20ifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';

/** An RS256 JWT of real size: 3072-bit signature, as our links carry. */
const RS256_JWT = `${JWT.split('.').slice(0, 2).join('.')}.${'Ab9_-x'.repeat(85)}Zq`;
/** A compact JWE: header, encrypted key, IV, ciphertext, tag. */
const JWE =
  'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ';

describe('accessLog', () => {
  it('logs method, sanitised path, status, duration and request id, one JSON line per request', async () => {
    const { app, log } = buildApp((app) => app.get('/app/vendors', (c) => c.text('ok')));
    await app.request('/app/vendors?q=ada%40example.com', { headers: { 'X-Request-Id': 'r1' } });
    const [line] = log.records().filter((r) => r.msg === 'request');
    expect(line).toMatchObject({
      level: 'info',
      method: 'GET',
      path: '/app/vendors',
      status: 200,
      requestId: 'r1',
    });
    expect(line!.ms).toEqual(expect.any(Number));
    expect(log.lines.join('\n')).not.toContain('ada');
  });

  it('logs the vendor link and setup link paths without their tokens', async () => {
    const { app, log } = buildApp((app) => {
      app.get('/v/:token', (c) => c.text('interstitial'));
      app.get('/setup/:token', (c) => c.text('setup'));
    });
    await app.request(`/v/${JWT}`);
    await app.request('/setup/Zk3q9X_b2LmN0pQrStUvWxYz12');
    const paths = log
      .records()
      .filter((r) => r.msg === 'request')
      .map((r) => r.path);
    expect(paths).toEqual(['/v/:token', '/setup/:token']);
    expect(log.lines.join('\n')).not.toContain(JWT.slice(0, 20));
  });

  it('logs the status of errors and 404s', async () => {
    const { app, log } = buildApp((app) =>
      app.get('/boom', () => {
        throw new Error('x');
      }),
    );
    await app.request('/boom');
    await app.request('/missing');
    const statuses = log
      .records()
      .filter((r) => r.msg === 'request')
      .map((r) => r.status);
    expect(statuses).toEqual([500, 404]);
  });

  it('never logs request bodies, headers, cookies or form answers', async () => {
    const { app, log } = buildApp((app) => app.post('/login', (c) => c.text('ok')));
    await app.request('/login', {
      method: 'POST',
      body: 'email=ada%40example.com&password=hunter2&code=123456',
      headers: {
        // A fixed id: a random UUID contains "ada" (all hex) in about one run in 150.
        'X-Request-Id': 'req-1',
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: '__Host-session=s3cr3t',
        Authorization: 'Bearer tok3n',
      },
    });
    const all = log.lines.join('\n');
    for (const secret of ['hunter2', '123456', 's3cr3t', 'tok3n', 'ada']) expect(all).not.toContain(secret);
  });

  it('exposes a child logger bound to the request id', async () => {
    const log = captureLog();
    const app = new Hono<AppEnv>();
    app.use(requestId());
    app.use(accessLog(createLogger({ destination: log.stream })));
    app.get('/', (c) => {
      c.get('log').info({ step: 'inside' }, 'work');
      return c.text('ok');
    });
    await app.request('/', { headers: { 'X-Request-Id': 'abc' } });
    expect(log.records().find((r) => r.msg === 'work')).toMatchObject({ requestId: 'abc', step: 'inside' });
  });
});

describe('createLogger', () => {
  it("writes the access line as pino's generic path would, byte for byte (but the time)", () => {
    const lines = [
      { requestId: 'r1', method: 'GET', path: '/app', status: 200, ms: 1.2 },
      { requestId: 'r2', method: 'POST', path: '/v/a/:id', status: 499, aborted: true as const, ms: 0 },
      // Values that need escaping come out escaped, so nothing can forge a second line.
      { requestId: 'x"\n{', method: 'G\rET', path: '/a"b\n\u2028\ud800', status: 500, ms: Number.NaN },
    ];
    for (const line of lines) {
      const direct = captureLog();
      const generic = captureLog();
      const logger = createLogger({ destination: direct.stream });
      expect(logger.access).toBeTypeOf('function');
      logger.access!(line);
      createLogger({ destination: generic.stream }).info(line, 'request');
      const untimed = (l: string[]) => l.map((x) => x.replace(/"time":"[^"]+"/, '"time":"T"'));
      expect(direct.lines).toHaveLength(1);
      expect(untimed(direct.lines)).toEqual(untimed(generic.lines));
    }
    // A child's bindings come first, as pino writes them; below the level, nothing.
    const direct = captureLog();
    const generic = captureLog();
    const line = lines[0]!;
    (createLogger({ destination: direct.stream }).child({ worker: 2 }) as NodeLogger).access!(line);
    createLogger({ destination: generic.stream }).child({ worker: 2 }).info(line, 'request');
    expect(direct.lines[0]!.replace(/"time":"[^"]+"/, '')).toBe(
      generic.lines[0]!.replace(/"time":"[^"]+"/, ''),
    );
    const quiet = captureLog();
    createLogger({ level: 'warn', destination: quiet.stream }).access!(line);
    expect(quiet.lines).toEqual([]);
  });

  it('redacts secrets and personal data by key, at the top level and nested', () => {
    const log = captureLog();
    const logger = createLogger({ destination: log.stream });
    logger.info(
      {
        password: 'hunter2',
        token: 'tok',
        code: '123456',
        email: 'ada@example.com',
        authorization: 'Bearer x',
        cookie: 'a=b',
        user: { email: 'bob@example.com', password: 'pw', id: 'u1' },
        req: { headers: { authorization: 'Bearer y', cookie: 'c=d', 'set-cookie': 'e=f' } },
        answers: { q1: 'We do not encrypt backups' },
      },
      'event',
    );
    const [record] = log.records();
    const text = log.lines[0]!;
    for (const secret of [
      'hunter2',
      '123456',
      'ada@',
      'bob@',
      'Bearer',
      'a=b',
      'c=d',
      'e=f',
      'encrypt',
      '"pw"',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(record).toMatchObject({ password: '[redacted]', user: { email: '[redacted]', id: 'u1' } });
  });

  it('redacts case-insensitively, inside arrays, deep objects and child bindings', () => {
    const log = captureLog();
    const logger = createLogger({ destination: log.stream });
    const child = logger.child({ email: 'child@example.com', requestId: 'r9' });
    const grandchild = child.child({ user: { password: 'GGG' }, step: 2 });
    grandchild.info('nested');
    const nested = JSON.parse(log.lines.pop()!) as Record<string, unknown>;
    expect(nested).toMatchObject({
      requestId: 'r9',
      email: '[redacted]',
      user: { password: '[redacted]' },
      step: 2,
    });
    child.info(
      {
        headers: { Authorization: 'Bearer AAA', 'Set-Cookie': 'sid=BBB' },
        contacts: [{ Email: 'list@example.com', role: 'ciso' }],
        a: { b: { c: { token: 'CCC', kept: 'visible' } } },
      },
      'deep',
    );
    const text = log.lines[0]!;
    for (const secret of ['AAA', 'BBB', 'list@', 'child@', 'CCC']) expect(text).not.toContain(secret);
    const [record] = log.records();
    expect(record).toMatchObject({
      requestId: 'r9',
      email: '[redacted]',
      contacts: [{ Email: '[redacted]', role: 'ciso' }],
      a: { b: { c: { token: '[redacted]', kept: 'visible' } } },
    });
  });

  it('leaves errors to the err serializer: message, type and stack are kept', () => {
    const log = captureLog();
    createLogger({ destination: log.stream }).error({ err: new TypeError('bad thing') }, 'failed');
    const [record] = log.records();
    expect(record!.err).toMatchObject({ type: 'TypeError', message: 'bad thing' });
    expect((record!.err as { stack: string }).stack).toContain('TypeError: bad thing');
  });

  it('scrubs email addresses from logged errors and drops driver details (row values) entirely', () => {
    const log = captureLog();
    const cause = new Error('upstream: carol@example.org refused');
    const err = Object.assign(new Error('duplicate key for ada@example.com', { cause }), {
      detail: 'Key (email)=(ada@example.com) already exists.',
      email: 'bob@example.com',
    });
    createLogger({ destination: log.stream }).error({ err }, 'failed');
    expect(log.lines[0]).not.toContain('@example.com');
    expect(log.lines[0]).not.toContain('carol@');
    const [record] = log.records();
    expect(record!.err).toMatchObject({
      // pino appends the cause's message to the error's.
      message: 'duplicate key for [email]: upstream: [email] refused',
      detail: '[redacted]',
      email: '[redacted]',
    });
  });

  it('escapes CR/LF and other control characters, so a value cannot forge a log line', () => {
    const log = captureLog();
    const logger = createLogger({ destination: log.stream });
    const forged = 'x\r\n{"level":"info","msg":"forged"}\u0000\u001b[31m';
    logger.info({ note: forged }, `message with\nnewline`);
    expect(log.lines).toHaveLength(1);
    for (const control of ['\r', '\n', '\u0000', '\u001b']) expect(log.lines[0]).not.toContain(control);
    const [record] = log.records();
    expect(record!.note).toBe(forged);
    expect(record!.msg).toBe('message with\nnewline');
  });

  it('is silent at level silent', () => {
    const log = captureLog();
    createLogger({ level: 'silent', destination: log.stream }).error('nothing');
    expect(log.lines).toEqual([]);
  });
});

describe('sanitizePath', () => {
  it.each([
    [`/v/${JWT}`, '/v/:token'],
    [`/v/${JWT}/continue`, '/v/:token/continue'],
    ['/v/exchange', '/v/exchange'],
    ['/v/portal/section-2', '/v/portal/section-2'],
    ['/setup/abcDEF123_-xyz', '/setup/:token'],
    ['/setup/Zk3q9', '/setup/:token'],
    ['/app/vendors?q=secret', '/app/vendors'],
    ['/app/vendors#frag', '/app/vendors'],
    ['/app/contacts/ada@example.com', '/app/contacts/:email'],
    ['/app/contacts/ada%40example.com', '/app/contacts/:email'],
    ['/app/reset/Zk3q9X_b2LmN0pQrStUvWxYz12AB', '/app/reset/:token'],
    [
      '/app/assessments/0b9f2c3e-8a41-4d7e-9c55-3f1e2d4c5b6a',
      '/app/assessments/0b9f2c3e-8a41-4d7e-9c55-3f1e2d4c5b6a',
    ],
    [
      '/app/questionnaires/security-baseline-questionnaire',
      '/app/questionnaires/security-baseline-questionnaire',
    ],
    ['/', '/'],
    // Static files and versions are not tokens (a.b.c used to match the JWT pattern).
    ['/static/js/htmx.min.js', '/static/js/htmx.min.js'],
    ['/static/css/app.css', '/static/css/app.css'],
    ['/.well-known/jwks.json', '/.well-known/jwks.json'],
    ['/docs/v1.2.3/notes', '/docs/v1.2.3/notes'],
    ['/static/js/a.b.c', '/static/js/a.b.c'],
    // Real tokens anywhere, in every compact shape.
    [`/app/receipts/${JWT}`, '/app/receipts/:token'],
    [`/app/receipts/${RS256_JWT}/download`, '/app/receipts/:token/download'],
    ['/app/x/eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', '/app/x/:token'],
    [`/app/x/${JWE}`, '/app/x/:token'],
    ['/app/x/v4.local.Zk3q9X_b2LmN0pQrStUvWxYz12AB', '/app/x/:token'],
  ])('%s → %s', (input, expected) => {
    expect(sanitizePath(input)).toBe(expected);
  });

  it('cuts very long paths', () => {
    expect(sanitizePath(`/${'a/'.repeat(500)}`).length).toBeLessThanOrEqual(257);
  });
});
