import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type AppEnv, provideViews, render, renderFragment } from '../../src/http/index.js';
import { buildApp, testViews } from './support.js';

const XSS = '<img src=x onerror=alert(1)>';

describe('render and the base layout', () => {
  const { app } = buildApp((app) => {
    app.get('/page', (c) => {
      c.set('viewer', { name: `Eve ${XSS}`, tenantName: 'Acme & Co' });
      c.set('flash', [
        { kind: 'success', text: `Saved ${XSS}` },
        { kind: 'bogus' as 'info', text: 'odd kind' },
      ]);
      return render(c, 'errors/error', { title: `T ${XSS}`, status: 422, message: XSS, fields: {} }, 422);
    });
    app.get('/fragment', (c) =>
      renderFragment(c, 'errors/fragment', { status: 400, message: XSS, fields: {} }),
    );
    app.get('/partials', (c) =>
      renderFragment(c, 'partials/field', {
        field: {
          name: 'email',
          label: 'Email <address>',
          type: 'email',
          value: `"${XSS}`,
          hint: 'Work email',
          error: 'Enter an email address',
          required: true,
          autocomplete: 'email',
        },
      }),
    );
    app.get('/password', (c) =>
      renderFragment(c, 'partials/field', {
        field: { name: 'password', label: 'Password', type: 'password', value: 'hunter2' },
      }),
    );
    app.get('/select', (c) =>
      renderFragment(c, 'partials/field', {
        field: {
          name: 'tier',
          label: 'Tier',
          type: 'select',
          value: 'high',
          options: [
            { value: 'low', label: 'Low' },
            { value: 'high', label: 'High' },
          ],
        },
      }),
    );
    app.get('/summary', (c) =>
      renderFragment(c, 'partials/error-summary', {
        errors: { email: 'Enter an email address', 'answers.q1': XSS },
      }),
    );
  });

  it('renders a complete, accessible page with the status asked for', async () => {
    const res = await app.request('/page');
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<a class="skip-link" href="#main">Skip to main content</a>');
    expect(html).toContain('<main id="main"');
    expect(html).toContain('<header class="site-header">');
    expect(html).toContain('<footer class="site-footer">');
    expect(html).toContain('<div id="htmx-alerts" class="alerts" role="alert"></div>');
    expect(html).toMatch(/<link rel="stylesheet" href="\/static\/css\/app\.css\?v=[0-9a-f]{16}">/);
    expect(html).toMatch(
      /<script nonce="[^"]+" src="\/static\/js\/htmx\.min\.js\?v=[0-9a-f]{16}" defer><\/script>/,
    );
    expect(html).toContain(res.headers.get('x-request-id')!);
  });

  it('configures htmx so that no inline style is needed and 5xx is never swapped', async () => {
    const html = await (await app.request('/page')).text();
    const meta = /<meta name="htmx-config" content='([^']+)'>/.exec(html);
    expect(meta).not.toBeNull();
    const config = JSON.parse(meta![1]!) as Record<string, unknown>;
    expect(config).toEqual({
      noSwap: [204, 304, '5xx'],
      defaultTimeout: 20000,
      includeIndicatorCSS: false,
      mode: 'same-origin',
    });
    expect(html).not.toMatch(/style=|<style/);
    expect(html).not.toContain('inlineScriptNonce');
  });

  it('escapes every value from data, the viewer and flash messages', async () => {
    const html = await (await app.request('/page')).text();
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<title>T &lt;img src=x onerror=alert(1)&gt; · Assay</title>');
    expect(html).toContain('Acme &amp; Co');
  });

  it('shows the viewer and the flash messages, mapping unknown kinds to info', async () => {
    const html = await (await app.request('/page')).text();
    expect(html).toContain('<span class="visually-hidden">Signed in as </span>Eve');
    // The live region is inside the item (axe "list": a role on the <li> takes it out of the list).
    expect(html).toContain('<li class="flash flash--success"><div role="status">');
    expect(html).toContain('<li class="flash flash--info"><div role="status">');
    expect(html).not.toMatch(/<li[^>]* role=/);
    expect(html).not.toContain('flash--bogus');
  });

  it('renders a fragment without the layout', async () => {
    const html = await (await app.request('/fragment')).text();
    expect(html).not.toContain('<html');
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;img');
  });

  it('renders a field with label, hint, error and ARIA wiring, escaping the value', async () => {
    const html = await (await app.request('/partials')).text();
    expect(html).toContain('<label class="field__label" for="field-email">Email &lt;address&gt;</label>');
    expect(html).toContain('id="field-email-hint"');
    expect(html).toContain('id="field-email-error"');
    expect(html).toContain('aria-describedby="field-email-hint field-email-error"');
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('value="&quot;&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain(' required');
    expect(html).toContain('autocomplete="email"');
    expect(html).not.toContain('(optional)');
  });

  it('never echoes a password value back into the page', async () => {
    const html = await (await app.request('/password')).text();
    expect(html).not.toContain('hunter2');
    expect(html).toContain('(optional)');
  });

  it('selects the current option of a select field', async () => {
    const html = await (await app.request('/select')).text();
    expect(html).toContain('<option value="high" selected>High</option>');
    expect(html).toContain('<option value="low">Low</option>');
  });

  it('links every error in the summary to its field', async () => {
    const html = await (await app.request('/summary')).text();
    expect(html).toContain('<a href="#field-email">Enter an email address</a>');
    expect(html).toContain('<a href="#field-answers.q1">&lt;img');
    expect(html).toContain('role="alert"');
  });

  it('throws a clear error when provideViews was not mounted', async () => {
    const app2 = new Hono<AppEnv>();
    app2.onError((err, c) => c.text(err.message, 500));
    app2.get('/', (c) => render(c, 'errors/error', {}));
    const res = await app2.request('/');
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('No views on the context: mount provideViews(views) before the routes');
  });

  it('renders only templates built from views/: a path is a name, never a file to read', () => {
    const views = testViews();
    const common = {
      productName: 'Assay',
      nonce: '',
      requestId: '',
      viewer: undefined,
      flash: [],
      asset: (p: string) => p,
    };
    expect(() => views.fragment('../package.json', common)).toThrow(/Failed to get template/);
    expect(() => views.fragment('/etc/passwd', common)).toThrow(/Failed to get template/);
  });

  it('works through provideViews in a bare app', async () => {
    const app3 = new Hono<AppEnv>();
    app3.use(provideViews(testViews({ productName: 'Assay Test' })));
    app3.get('/', (c) => renderFragment(c, 'errors/fragment', { status: 400, message: 'hi', fields: {} }));
    expect(await (await app3.request('/')).text()).toContain('hi');
  });
});
