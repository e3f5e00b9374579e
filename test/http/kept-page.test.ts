import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { render } from '../../src/http/index.js';
import { type PageBuilder, renderKept, renderMemo, renderMemoOf } from '../../src/http/views.js';
import { buildApp } from './support.js';

const nonceOf = (res: Response) =>
  /nonce-([A-Za-z0-9+/=]+)/.exec(res.headers.get('Content-Security-Policy') ?? '')?.[1];

describe('renderKept: a page rendered once and joined around each request nonce', () => {
  const data = { title: 'Sign in', values: {}, errors: {}, notice: undefined };
  const { app } = buildApp((app) => {
    app.get('/kept', (c) => renderKept(c, 'plain', 'workspace/login', data));
    app.get('/fresh', (c) => render(c, 'workspace/login', data));
    app.get('/kept-viewer', (c) => {
      c.set('viewer', { name: 'Eve <b>', tenantName: 'Acme' });
      return renderKept(c, 'plain', 'workspace/login', data);
    });
    app.get('/kept-flash', (c) => {
      c.set('flash', [{ kind: 'success', text: 'Signed out' }]);
      return renderKept(c, 'plain', 'workspace/login', data);
    });
    // errors/error prints the request id: such a page is never kept.
    app.get('/kept-id', (c) =>
      renderKept(c, 'id', 'errors/error', { title: 'x', status: 400, message: 'm', fields: {} }),
    );
  });

  it('sends the bytes render() sends, with the nonce of its own CSP, a fresh one each time', async () => {
    const pages: { nonce: string; html: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/kept');
      expect(res.status).toBe(200);
      const nonce = nonceOf(res)!;
      const html = await res.text();
      expect(html).toContain(`<script nonce="${nonce}"`);
      pages.push({ nonce, html });
    }
    expect(new Set(pages.map((p) => p.nonce)).size).toBe(3);
    const fresh = await app.request('/fresh');
    const freshNonce = nonceOf(fresh)!;
    const freshHtml = await fresh.text();
    for (const p of pages) expect(p.html.replaceAll(p.nonce, freshNonce)).toBe(freshHtml);
  });

  it('renders as usual when a viewer or a flash message would show', async () => {
    const viewer = await (await app.request('/kept-viewer')).text();
    expect(viewer).toContain('Eve &lt;b&gt;');
    const flash = await (await app.request('/kept-flash')).text();
    expect(flash).toContain('Signed out');
    const plain = await (await app.request('/kept')).text();
    expect(plain).not.toContain('Eve');
    expect(plain).not.toContain('Signed out');
  });

  it('never keeps a page that prints the request id', async () => {
    const a = await app.request('/kept-id', { headers: { 'X-Request-Id': 'req-one' } });
    const b = await app.request('/kept-id', { headers: { 'X-Request-Id': 'req-two' } });
    expect(await a.text()).toContain('req-one');
    expect(await b.text()).toContain('req-two');
  });
});

describe('renderMemo: pages kept on their whole input', () => {
  let message = 'first';
  let when: unknown = null;
  const page = () => ({ title: 'Sign in', values: { email: when }, errors: {}, notice: message });
  const { app } = buildApp((app) => {
    app.get('/memo', (c) => {
      const name = c.req.query('viewer');
      if (name) c.set('viewer', { name });
      return renderMemo(c, 'workspace/login', page());
    });
    app.get('/memo-error', (c) =>
      renderMemo(c, 'errors/error', { title: 'x', status: 400, message, fields: {} }),
    );
    app.get('/fresh', (c) => render(c, 'workspace/login', page()));
  });

  it('sends what render() sends, and a new page as soon as any input differs', async () => {
    // Non-ASCII text too: the kept page is UTF-8 bytes, and must be the bytes render() sends.
    for (const m of ['first', 'second <b>', 'Grüße — ✓ 😀', 'first']) {
      message = m;
      for (let i = 0; i < 2; i++) {
        const kept = await app.request('/memo');
        const fresh = await app.request('/fresh');
        expect(kept.headers.get('Content-Type')).toBe(fresh.headers.get('Content-Type'));
        expect(kept.headers.get('Content-Length')).toBe(fresh.headers.get('Content-Length'));
        const keptHtml = (await kept.text()).replaceAll(nonceOf(kept)!, 'N');
        expect(keptHtml).toBe((await fresh.text()).replaceAll(nonceOf(fresh)!, 'N'));
        expect(keptHtml).toContain(m.replace('<', '&lt;').replace('>', '&gt;'));
      }
    }
    expect(await (await app.request('/memo?viewer=Ann')).text()).toContain('Ann');
    expect(await (await app.request('/memo?viewer=Bob')).text()).toContain('Bob');
  });

  it('does not key what JSON cannot tell apart (a Date renders each time)', async () => {
    when = new Date(0);
    const a = await (await app.request('/memo')).text();
    when = '1970-01-01T00:00:00.000Z';
    const b = await (await app.request('/memo')).text();
    when = null;
    expect(a).toContain(String(new Date(0)).slice(0, 15));
    expect(b).toContain('1970-01-01T00:00:00.000Z');
  });

  it('never keeps a page that prints the request id', async () => {
    const a = await app.request('/memo-error', { headers: { 'X-Request-Id': 'req-one' } });
    const b = await app.request('/memo-error', { headers: { 'X-Request-Id': 'req-two' } });
    expect(await a.text()).toContain('req-one');
    expect(await b.text()).toContain('req-two');
  });
});

describe('renderMemoOf: pages kept on the input their data is built from', () => {
  let notice = 'first';
  let builds = 0;
  // The page's data is made from the input (as the dashboard's figures from its counts).
  const loginPage: PageBuilder<{ notice: string }> = (input) => {
    builds++;
    return { title: 'Sign in', values: {}, errors: {}, notice: input.notice };
  };
  const shoutedPage: PageBuilder<{ notice: string }> = (input) => ({
    title: 'Sign in',
    values: {},
    errors: {},
    notice: input.notice.toUpperCase(),
  });
  const { app } = buildApp((app) => {
    app.get('/of', (c) => {
      const name = c.req.query('viewer');
      if (name) c.set('viewer', { name });
      return renderMemoOf(c, 'workspace/login', { notice }, loginPage);
    });
    app.get('/of-shouted', (c) => renderMemoOf(c, 'workspace/login', { notice }, shoutedPage));
    app.get('/of-date', (c) => renderMemoOf(c, 'workspace/login', { notice, at: new Date(0) }, loginPage));
    app.get('/of-error', (c) =>
      renderMemoOf(c, 'errors/error', { notice }, (i) => ({
        title: 'x',
        status: 400,
        message: i.notice,
        fields: {},
      })),
    );
    app.get('/fresh', (c) => render(c, 'workspace/login', loginPage({ notice })));
  });

  it('sends what render() of the built data sends, and builds again only when the input differs', async () => {
    for (const n of ['first', 'Grüße <b>', 'first']) {
      notice = n;
      for (let i = 0; i < 2; i++) {
        const kept = await app.request('/of');
        const fresh = await app.request('/fresh');
        expect(kept.headers.get('Content-Length')).toBe(fresh.headers.get('Content-Length'));
        const keptHtml = (await kept.text()).replaceAll(nonceOf(kept)!, 'N');
        expect(keptHtml).toBe((await fresh.text()).replaceAll(nonceOf(fresh)!, 'N'));
        expect(keptHtml).toContain(n.replace('<', '&lt;').replace('>', '&gt;'));
      }
    }
    // Kept: one more request with a known input builds nothing.
    const before = builds;
    await app.request('/of');
    expect(builds).toBe(before);
    expect(await (await app.request('/of?viewer=Ann')).text()).toContain('Ann');
  });

  it("keeps pages per builder: the same input through another builder is that builder's page", async () => {
    notice = 'quiet';
    expect(await (await app.request('/of')).text()).toContain('quiet');
    const shouted = await (await app.request('/of-shouted')).text();
    expect(shouted).toContain('QUIET');
    expect(shouted).not.toContain('quiet');
    expect(await (await app.request('/of')).text()).toContain('quiet');
  });

  it('renders input JSON cannot key (a Date) as usual, and never keeps a page that prints the request id', async () => {
    notice = 'dated';
    const before = builds;
    await app.request('/of-date');
    await app.request('/of-date');
    expect(builds).toBe(before + 2);
    const a = await app.request('/of-error', { headers: { 'X-Request-Id': 'req-one' } });
    const b = await app.request('/of-error', { headers: { 'X-Request-Id': 'req-two' } });
    expect(await a.text()).toContain('req-one');
    expect(await b.text()).toContain('req-two');
  });
});

describe('renderMemoOf with a builder made per request', () => {
  // A closure per request (as an inline builder is): the pages kept for it must not keep it alive.
  const made: WeakRef<object>[] = [];
  const { app } = buildApp((app) => {
    app.get('/inline', (c) => {
      const build: PageBuilder<{ n: number }> = (i) => ({
        title: 'Sign in',
        values: {},
        errors: {},
        notice: `n ${i.n}`,
      });
      made.push(new WeakRef(build));
      return renderMemoOf(c, 'workspace/login', { n: made.length }, build);
    });
  });

  it('lets the builder go once the request is done (no entry a request)', async () => {
    for (let i = 0; i < 5; i++) expect((await app.request('/inline')).status).toBe(200);
    expect(made).toHaveLength(5);
    // A WeakRef holds its target until the job that made it ends; then a full collection.
    await new Promise((r) => setTimeout(r, 0));
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(made.filter((w) => w.deref() !== undefined)).toHaveLength(0);
  });
});
