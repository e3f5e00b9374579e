import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Assets } from './assets.js';
import type { AppEnv } from './env.js';
import type { TemplateEngine } from './templates.js';

/** Who is signed in, as far as the layout needs to know. */
export interface Viewer {
  /** Display name (or email) shown in the header. */
  name: string;
  /** The tenant the viewer works in, or the tenant a vendor answers for. */
  tenantName?: string;
  /** Workspace navigation the viewer may use (src/workspace/nav.ts); absent on the vendor portal. */
  nav?: readonly { href: string; label: string }[];
}

/** A one-off message shown at the top of the next page (saved, sent, failed…). */
export interface FlashMessage {
  kind: 'success' | 'info' | 'warning' | 'error';
  text: string;
}

/** Template every page is wrapped in. */
export const BASE_LAYOUT = 'layouts/base';

export interface ViewsOptions {
  /** Renders templates by name (precompiled in production, from views/ in `npm run dev`). */
  engine: TemplateEngine;
  /** Static asset URLs with content hashes. */
  assets: Assets;
  /** Product name in the header, footer and titles. Default `Assay`. */
  productName?: string;
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
  /** The engine's {@link TemplateEngine.reloads}: no rendered page may be kept. */
  readonly reloads: boolean;
  /** Renders `template` and wraps it in {@link BASE_LAYOUT}. */
  page(template: string, data: PageData & CommonData): string;
  /** Renders `template` alone (an htmx fragment or a partial). */
  fragment(template: string, data: Record<string, unknown> & CommonData): string;
}

/**
 * Pages and fragments from Eta templates. Output is escaped by default (`<%= %>`); `<%~ %>` (raw) is
 * for already-rendered HTML only, such as `it.body` in the layout, never for data.
 */
export function createViews(options: ViewsOptions): Views {
  const { engine, assets } = options;
  const productName = options.productName ?? 'Assay';
  return {
    productName,
    assets,
    reloads: engine.reloads === true,
    page(template, data) {
      const body = engine.render(template, data);
      return engine.render(BASE_LAYOUT, { ...data, body });
    },
    fragment(template, data) {
      return engine.render(template, data);
    },
  };
}

/** Makes `views` available to {@link render} and {@link renderFragment} as `c.get('views')`. */
export function provideViews(views: Views): MiddlewareHandler<AppEnv> {
  return async function provideViewsMiddleware(c, next) {
    c.set('views', views);
    await next();
  };
}

/** The `it.*` values every template gets, read from the request context. */
/** Reads the app's variables from a context of any env that extends AppEnv. */
const vars = <E extends AppEnv>(c: Context<E>) => c as unknown as Context<AppEnv>;

export function commonData<E extends AppEnv>(c: Context<E>, views: Views): CommonData {
  const v = vars(c);
  return {
    productName: views.productName,
    nonce: v.get('nonce') ?? '',
    requestId: v.get('requestId') ?? '',
    viewer: v.get('viewer'),
    flash: v.get('flash') ?? [],
    asset: (path) => views.assets.url(path),
  };
}

function viewsOf<E extends AppEnv>(c: Context<E>): Views {
  const views = vars(c).get('views');
  if (views === undefined)
    throw new Error('No views on the context: mount provideViews(views) before the routes');
  return views;
}

/**
 * Renders a full page: `template` inside the base layout, with the nonce, request id, viewer and flash
 * messages from the context. Route data overrides nothing of those.
 */
export function render<E extends AppEnv>(
  c: Context<E>,
  template: string,
  data: PageData = {},
  status = 200,
): Response {
  const views = viewsOf(c);
  return c.html(views.page(template, { ...data, ...commonData(c, views) }), status as ContentfulStatusCode);
}

/** Renders `template` alone, for htmx swaps. Same common data as {@link render}. */
export function renderFragment<E extends AppEnv>(
  c: Context<E>,
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

/**
 * Stand-ins rendered in place of the nonce and the request id when a page is kept (random per process).
 * Made at first use: workerd refuses random values in global scope.
 */
let markValues: { nonce: string; requestId: string } | undefined;
const marks = () => {
  markValues ??= {
    nonce: `nonce${crypto.randomUUID().replaceAll('-', '')}`,
    requestId: `request${crypto.randomUUID().replaceAll('-', '')}`,
  };
  return markValues;
};
const keptPages = new WeakMap<Views, Map<string, KeptPage | null>>();

/**
 * {@link render} for a page whose output depends on nothing but `data`, which must be the same for
 * every request with the same `key` (the sign-in page: no user input, no viewer), and the nonce. The
 * page is rendered once with a stand-in for the nonce and kept split around it; each request joins
 * the parts with its own nonce: the same bytes as {@link render}, without the render. Rendered as
 * usual when anything else of the request would show: a viewer, a flash message, the request id
 * printed by the template (then it is never kept), or templates that reload (`npm run dev`).
 */
export function renderKept<E extends AppEnv>(
  c: Context<E>,
  key: string,
  template: string,
  data: PageData = {},
  status = 200,
): Response {
  const views = viewsOf(c);
  const v = vars(c);
  if (views.reloads || v.get('viewer') !== undefined || (v.get('flash')?.length ?? 0) > 0) {
    return render(c, template, data, status);
  }
  let kept = keptPages.get(views);
  if (!kept) {
    kept = new Map();
    keptPages.set(views, kept);
  }
  const name = `${template}\n${key}`;
  let parts = kept.get(name);
  if (parts === undefined) {
    parts = splitPage(c, views, template, data);
    kept.set(name, parts);
  }
  return joinPage(c, parts, template, data, status);
}

/**
 * The page rendered with the stand-ins and split around the nonce, or null when the template prints the
 * request id (such a page is never kept).
 */
function splitPage<E extends AppEnv>(
  c: Context<E>,
  views: Views,
  template: string,
  data: PageData,
): KeptPage | null {
  const { nonce, requestId } = marks();
  const html = views.page(template, { ...data, ...commonData(c, views), nonce, requestId });
  if (html.includes(requestId)) return null;
  const parts = html.split(nonce).map((part) => utf8.encode(part));
  return { parts, bytes: parts.reduce((n, part) => n + part.byteLength, 0) };
}

/**
 * A kept page: its UTF-8 bytes around each place the nonce goes. Kept as bytes, so a response copies
 * them instead of joining a string that the server then measures and encodes again (15 KB for the
 * dashboard).
 */
interface KeptPage {
  readonly parts: readonly Uint8Array[];
  readonly bytes: number;
}

const utf8 = new TextEncoder();
const HTML = { 'Content-Type': 'text/html; charset=UTF-8' } as const;

/**
 * A kept page joined around this request's nonce (rendered as usual when it could not be kept): the
 * bytes `c.html(parts.join(nonce))` would send. The nonce is base64, one byte a character.
 */
function joinPage<E extends AppEnv>(
  c: Context<E>,
  page: KeptPage | null,
  template: string,
  data: PageData,
  status: number,
): Response {
  if (page === null) return render(c, template, data, status);
  const nonce = vars(c).get('nonce') ?? '';
  const { parts } = page;
  const out = new Uint8Array(page.bytes + nonce.length * (parts.length - 1));
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) {
      for (let k = 0; k < nonce.length; k++) out[at++] = nonce.charCodeAt(k);
    }
    out.set(parts[i]!, at);
    at += parts[i]!.byteLength;
  }
  return c.body(out, status as ContentfulStatusCode, HTML);
}

/** Pages kept by {@link renderMemo} and {@link renderMemoOf}, per Views and builder (oldest out). */
const MEMO_PAGES = 64;
// Weak on the builder too: a route that passes an inline closure makes a new builder each request, and
// a strong map kept an entry (and its pages) for every one of them (review LOW).
const memoPages = new WeakMap<Views, WeakMap<PageBuilder<never>, Map<string, KeptPage | null>>>();

/** Builds a page's data from the input it is kept on; see {@link renderMemoOf}. */
export type PageBuilder<I> = (input: I) => PageData;

/**
 * The JSON text of `value` if it holds only plain data (objects, arrays, strings, numbers, booleans,
 * null), else undefined. Checked by a walk first, then stringified without a replacer: a replacer
 * function takes JSON.stringify off its fast path (it was most of a kept dashboard's cost).
 */
function plainKey(value: unknown): string | undefined {
  return isPlainData(value, 0) ? JSON.stringify(value) : undefined;
}

/** Deeper than this is not keyed (rendered as usual); no page's data comes near it. */
const MAX_KEY_DEPTH = 32;

function isPlainData(value: unknown, depth: number): boolean {
  if (value === undefined || value === null) return true;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  // A Date, Map, Set, function, bigint…: not keyed, rendered as usual.
  if (type !== 'object' || depth >= MAX_KEY_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (!isPlainData(item, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(value)) {
    if (!isPlainData((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** {@link renderMemo}'s builder: the page's data is its input. */
const asData: PageBuilder<PageData> = (data) => data;

/**
 * {@link render} that keeps the last pages it made, keyed on the page's whole input: the template, the
 * route's data, the viewer and the flash messages, as JSON. A page whose input equals an earlier one
 * (the dashboard between two changes) is joined around the request's nonce instead of rendered again;
 * any other input renders. Only plain data is keyed (anything else, a Date or a Map, renders as usual),
 * so equal keys mean equal input and the same bytes; a template that prints the request id, or
 * templates that reload (`npm run dev`), always render.
 */
export function renderMemo<E extends AppEnv>(
  c: Context<E>,
  template: string,
  data: PageData = {},
  status = 200,
): Response {
  return renderMemoOf(c, template, data, asData, status);
}

/**
 * {@link renderMemo} keyed on a smaller input than the page's data: the page is `template` rendered with
 * `build(input)`, and is kept on `input` (with the template, the viewer and the flash messages) instead of
 * on what `build` makes of it. For data that is mostly derived: the dashboard keys on its counts (a few
 * hundred bytes of JSON) rather than on the heat map's cells, coordinates and labels made from them (3.5 KB,
 * whose key was the largest item of the page's CPU).
 *
 * `build` must be a pure function of `input` (module constants aside): it is called only when no page is
 * kept for this input, so anything else it read would be shown stale. Pages are kept per `build`, so two
 * builders of one template never share a page. Same rules as {@link renderMemo} otherwise: plain data only
 * (else it renders as usual), never kept when the request id shows, always rendered under `npm run dev`.
 */
export function renderMemoOf<E extends AppEnv, I>(
  c: Context<E>,
  template: string,
  input: I,
  build: PageBuilder<I>,
  status = 200,
): Response {
  const views = viewsOf(c);
  const v = vars(c);
  if (views.reloads) return render(c, template, build(input), status);
  const key = plainKey([template, input, v.get('viewer') ?? null, v.get('flash') ?? []]);
  if (key === undefined) return render(c, template, build(input), status);
  let byBuilder = memoPages.get(views);
  if (!byBuilder) {
    byBuilder = new WeakMap();
    memoPages.set(views, byBuilder);
  }
  let memo = byBuilder.get(build as PageBuilder<never>);
  if (!memo) {
    memo = new Map();
    byBuilder.set(build as PageBuilder<never>, memo);
  }
  let parts = memo.get(key);
  let data: PageData | undefined;
  if (parts === undefined) {
    data = build(input);
    parts = splitPage(c, views, template, data);
    if (memo.size >= MEMO_PAGES) memo.delete(memo.keys().next().value!);
  } else {
    // Most recently used last, so the oldest goes first.
    memo.delete(key);
  }
  memo.set(key, parts);
  if (parts === null) return render(c, template, data ?? build(input), status);
  return joinPage(c, parts, template, {}, status);
}
