import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type Assets, createAssets } from './static-files.js';

/** Who is signed in, as far as the layout needs to know. Apps may add fields by declaration merging. */
export interface Viewer {
  /** Display name (or email) shown in the header. */
  name: string;
  /** The tenant the viewer works in, or the tenant a vendor answers for. */
  tenantName?: string;
}

/** A one-off message shown at the top of the next page (saved, sent, failed…). */
export interface FlashMessage {
  kind: 'success' | 'info' | 'warning' | 'error';
  text: string;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The template renderer; set by `provideViews()`. */
    views: Views;
    /** Set by the app's session middleware; the layout shows it when present. */
    viewer: Viewer | undefined;
    /** Messages for the layout's flash area; set by the app. */
    flash: readonly FlashMessage[] | undefined;
  }
}

/** The repository's `views/` folder, independent of the working directory. */
export const DEFAULT_VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

/** Template every page is wrapped in. */
export const BASE_LAYOUT = 'layouts/base';

export interface ViewsOptions {
  /** Template folder. Default {@link DEFAULT_VIEWS_DIR}. */
  dir?: string;
  /** Cache compiled templates. Default: on unless `NODE_ENV=development`. */
  cache?: boolean;
  /** Product name in the header, footer and titles. Default `Assay`. */
  productName?: string;
  /** Static asset URLs with content hashes. Default: `createAssets({ cache })`. */
  assets?: Assets;
}

/** Values every template receives as `it.*`, next to the route's own data. */
export interface CommonData {
  productName: string;
  /** CSP nonce for `<script nonce>`; empty when `securityHeaders()` is not mounted. */
  nonce: string;
  requestId: string;
  viewer: Viewer | undefined;
  flash: readonly FlashMessage[];
  /** `asset('/static/css/app.css')` → the content-hashed URL. */
  asset: (path: string) => string;
}

/** Data a page passes to the layout; `title` becomes `<title>` (`title · Assay`). */
export interface PageData {
  title?: string;
  [key: string]: unknown;
}

export interface Views {
  readonly productName: string;
  readonly assets: Assets;
  /** Renders `template` and wraps it in {@link BASE_LAYOUT}. */
  page(template: string, data: PageData & CommonData): string;
  /** Renders `template` alone (an htmx fragment or a partial). */
  fragment(template: string, data: Record<string, unknown> & CommonData): string;
}

/**
 * An Eta renderer over `views/`. Output is escaped by default (`<%= %>`); `<%~ %>` (raw) is
 * for already-rendered HTML only, such as `it.body` in the layout, never for data.
 */
export function createViews(options: ViewsOptions = {}): Views {
  const cache = options.cache ?? process.env.NODE_ENV !== 'development';
  const productName = options.productName ?? 'Assay';
  const assets = options.assets ?? createAssets({ cache });
  const eta = new Eta({
    views: options.dir ?? DEFAULT_VIEWS_DIR,
    cache,
    autoEscape: true,
    // Runtime errors name the template and line in the server log (the client never sees them).
    debug: !cache,
  });
  return {
    productName,
    assets,
    page(template, data) {
      const body = eta.render(template, data);
      return eta.render(BASE_LAYOUT, { ...data, body });
    },
    fragment(template, data) {
      return eta.render(template, data);
    },
  };
}

/** Makes `views` available to {@link render} and {@link renderFragment} as `c.get('views')`. */
export function provideViews(views: Views): MiddlewareHandler {
  return async function provideViewsMiddleware(c, next) {
    c.set('views', views);
    await next();
  };
}

/** The `it.*` values every template gets, read from the request context. */
export function commonData(c: Context, views: Views): CommonData {
  return {
    productName: views.productName,
    nonce: c.get('nonce') ?? '',
    requestId: c.get('requestId') ?? '',
    viewer: c.get('viewer'),
    flash: c.get('flash') ?? [],
    asset: (path) => views.assets.url(path),
  };
}

function viewsOf(c: Context): Views {
  const views = c.get('views');
  if (views === undefined)
    throw new Error('No views on the context: mount provideViews(views) before the routes');
  return views;
}

/**
 * Renders a full page: `template` inside the base layout, with the nonce, request id, viewer
 * and flash messages from the context. Route data overrides nothing of those.
 *
 * @example
 * ```ts
 * app.get('/app/vendors', (c) => render(c, 'workspace/vendors', { title: 'Vendors', vendors }));
 * ```
 */
export function render(c: Context, template: string, data: PageData = {}, status = 200): Response {
  const views = viewsOf(c);
  return c.html(views.page(template, { ...data, ...commonData(c, views) }), status as ContentfulStatusCode);
}

/** Renders `template` alone, for htmx swaps. Same common data as {@link render}. */
export function renderFragment(
  c: Context,
  template: string,
  data: Record<string, unknown> = {},
  status = 200,
): Response {
  const views = viewsOf(c);
  return c.html(
    views.fragment(template, { ...data, ...commonData(c, views) }),
    status as ContentfulStatusCode,
  );
}
