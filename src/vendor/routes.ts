/**
 * The vendor links under /v: `GET`/`HEAD /v/<jwt>` show the interstitial and change nothing; `POST`
 * redeems; `/fresh` asks for new access; `/code` types the code that came with it. The portal itself
 * (`/v/a/<assessment>/…`, behind a vendor session) is src/vendor/portal-routes.ts.
 */
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { clearedCookie, sessionCookie } from '../auth/cookies.js';
import { HttpError } from '../errors.js';
import { inBackground } from '../http/background.js';
import { ipBucket } from '../http/client-address.js';
import type { AppEnv } from '../http/env.js';
import { limitByAddress } from '../http/limits.js';
import { readForm } from '../http/read-form.js';
import { render } from '../http/views.js';
import type { Ports } from '../platform/ports.js';
import { logVendorSecurityEvent, type ReportSecurityEvent } from '../workspace/security-log.js';
import {
  type AccessDeps,
  inspectLink,
  LinkNotUsable,
  type LinkView,
  redeemAccessCode,
  redeemLink,
  requestFreshAccess,
} from './access.js';
import { CODE_TTL_MS } from './codes.js';
import { quietLocale, refusalLanguage, rememberLanguage, rememberSessionLanguage } from './error-language.js';
import { invalidLinkPage, linkPage } from './link-view.js';
import { postOnly } from './post-only.js';
import { VENDOR_COOKIE } from './sessions.js';
import { say } from './words.js';

/** The browser that asked for fresh access: the code it was mailed works only with this cookie (ML-20). */
export const PENDING_COOKIE = '__Host-assay-pending';
const JWT = '{[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+}';
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function vendorRoutes(platform: Ports, opts: { baseUrl: string }) {
  const deps: AccessDeps = { ...platform, baseUrl: opts.baseUrl };
  const app = new Hono<AppEnv>();

  // Failed and throttled codes go to the tenant's security log after the answer (src/http/background.ts).
  const reporter =
    (c: Parameters<typeof render>[0]): ReportSecurityEvent =>
    (e) =>
      inBackground(c, 'security-log', () => {
        const ip = platform.clientAddress(c);
        return logVendorSecurityEvent(platform, {
          ...e,
          address: ip && ipBucket(ip),
          at: platform.clock.now(),
        });
      });
  // A per-address limit refused a request on a link. Its page is said in the browser's own language
  // hints (refusalLanguage): never by verifying the token, the RS256 check and read a flood of refused
  // requests must not buy (review LOW). The security log gets each (address, token)'s first refusal in
  // the window, in the tenant the (verified) token names; a token that verifies nowhere logs nothing.
  // Counting per token (not the window's first refusal alone) keeps a refusal with a bogus token from
  // hiding the rest of the window's refusals on a real link from its tenant (review LOW-MED); at most
  // LOGGED_TOKENS distinct tokens an address a window are verified, so a flood of made-up tokens buys
  // no more than that many verifies.
  const LOGGED_TOKENS = 5;
  const limitLink = (name: string, limit: number, windowMs: number, via: string) =>
    limitByAddress(platform, name, limit, windowMs, (c) => {
      rememberLanguage(c, refusalLanguage(c));
      const ip = platform.clientAddress(c);
      const token = c.req.param('token') ?? '';
      if (!ip || !token) return;
      const address = ipBucket(ip);
      inBackground(c, 'security-log', async () => {
        const seen = await platform.rateLimits.hit(
          { name: `${name}-logged`, subject: `${address}\n${token}` },
          windowMs,
        );
        if (seen.count !== 1) return;
        const tokens = await platform.rateLimits.hit(
          { name: `${name}-log-tokens`, subject: address },
          windowMs,
        );
        if (tokens.count > LOGGED_TOKENS) return;
        const view = await inspectLink(deps, token);
        if (!view) return;
        reporter(c)({
          tenantId: view.claims.tid,
          kind: 'rate_limited',
          data: { via, assessment: view.claims.aid },
        });
      });
    });

  // The token is in the path. Every response is `no-store` and `Referrer-Policy: same-origin` already
  // (src/http/security-headers.ts): no Referer carrying it ever leaves for another site; `no-referrer`
  // would make browsers send `Origin: null` on the Continue form, which the cross-site guard refuses.

  const gone = (
    c: Parameters<typeof render>[0],
    view: LinkView | null,
    extra: Record<string, unknown> = {},
    status?: number,
  ) => {
    if (!view) {
      const page = invalidLinkPage(c);
      return render(c, 'vendor/link-invalid', { title: page.w.invalidTitle, ...page, chrome: page.w }, 404);
    }
    const page = linkPage(c, view);
    if (view.state === 'closed')
      return render(c, 'vendor/link-closed', { title: page.w.closedTitle, ...page, chrome: page.w }, 410);
    return render(
      c,
      'vendor/link-gone',
      {
        title: page.w.goneTitle,
        ...page,
        chrome: page.w,
        freshAction: `${c.req.path.replace(/\/(fresh|code)$/, '')}/fresh`,
        values: {},
        errors: {},
        ...extra,
      },
      status ?? 410,
    );
  };

  // GET (and HEAD, which Hono answers from the GET route without a body) is side-effect free: ML-01.
  app.get(`/:token${JWT}`, async (c) => {
    const token = c.req.param('token');
    const view = await inspectLink(deps, token);
    if (view?.state !== 'open') return gone(c, view);
    const page = linkPage(c, view);
    return render(c, 'vendor/link-open', {
      title: page.w.linkTitle,
      ...page,
      chrome: page.w,
      action: c.req.path,
    });
  });

  app.post(`/:token${JWT}`, limitLink('vendor-redeem-ip', 60, 15 * 60_000, 'link_redeem'), async (c) => {
    const token = c.req.param('token');
    try {
      const done = await redeemLink(deps, token, getCookie(c, VENDOR_COOKIE));
      setCookie(
        c,
        VENDOR_COOKIE,
        done.session.token,
        sessionCookie(done.session.expiresAt, platform.clock.now()),
      );
      rememberSessionLanguage(c, quietLocale(c, done.languages, done.languages.assessmentLocale));
      return c.redirect(`/v/a/${done.assessmentId}`, 303);
    } catch (err) {
      if (err instanceof LinkNotUsable) return gone(c, err.view);
      throw err;
    }
  });

  app.post(
    `/:token${JWT}/fresh`,
    limitLink('vendor-fresh-ip', 10, 60 * 60_000, 'fresh_access'),
    async (c) => {
      const token = c.req.param('token');
      const form = await readForm(c);
      const typed = str(form.email).trim();
      const base = c.req.path.replace(/\/fresh$/, '');
      if (!typed || typed.length > 320 || !typed.includes('@')) {
        const view = await inspectLink(deps, token);
        const errors = { email: view ? linkPage(c, view).w.emailInvalid : '' };
        return gone(c, view, { values: { email: typed.slice(0, 320) }, errors }, view ? 422 : 404);
      }
      try {
        const { pending, view } = await requestFreshAccess(deps, token, typed, reporter(c));
        setCookie(c, PENDING_COOKIE, pending, {
          ...sessionCookie(new Date(platform.clock.now().getTime() + CODE_TTL_MS), platform.clock.now()),
          sameSite: 'Strict',
        } as never);
        const page = linkPage(c, view);
        rememberSessionLanguage(c, page.lang);
        return render(c, 'vendor/check-email', {
          title: page.w.checkEmail,
          ...page,
          chrome: page.w,
          codeAction: `${base}/code`,
          errors: {},
        });
      } catch (err) {
        if (err instanceof LinkNotUsable) return gone(c, err.view);
        throw err;
      }
    },
  );

  app.post(`/:token${JWT}/code`, limitLink('vendor-code-ip', 30, 15 * 60_000, 'access_code'), async (c) => {
    const token = c.req.param('token');
    const form = await readForm(c);
    const base = c.req.path.replace(/\/code$/, '');
    try {
      const done = await redeemAccessCode(
        deps,
        token,
        getCookie(c, PENDING_COOKIE),
        str(form.code),
        getCookie(c, VENDOR_COOKIE),
        reporter(c),
      );
      deleteCookie(c, PENDING_COOKIE, clearedCookie);
      setCookie(
        c,
        VENDOR_COOKIE,
        done.session.token,
        sessionCookie(done.session.expiresAt, platform.clock.now()),
      );
      rememberSessionLanguage(c, quietLocale(c, done.languages, done.languages.assessmentLocale));
      return c.redirect(`/v/a/${done.assessmentId}`, 303);
    } catch (err) {
      if (err instanceof LinkNotUsable) return gone(c, err.view);
      if (err instanceof HttpError && err.status < 500) {
        const view = await inspectLink(deps, token);
        if (!view) return gone(c, null);
        // Locked or stale code: back to asking for a new one; a wrong code: try again here.
        const page = linkPage(c, view);
        rememberSessionLanguage(c, page.lang);
        const said = say(page.lang, err.said, err.message);
        if (err.status === 422) {
          return render(
            c,
            'vendor/check-email',
            {
              title: page.w.checkEmail,
              ...page,
              chrome: page.w,
              codeAction: `${base}/code`,
              errors: { code: said },
            },
            422,
          );
        }
        return gone(c, view, { errors: { email: said } }, err.status);
      }
      throw err;
    }
  });

  // A link's GET shows the interstitial; its fresh-access and code addresses take the form only.
  postOnly(app, `/:token${JWT}/fresh`, `/:token${JWT}/code`);
  return app;
}
