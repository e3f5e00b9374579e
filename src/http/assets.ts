/**
 * Static assets: content-hashed URLs from a manifest made at build time (scripts/generate.ts), and the
 * middleware that serves them under /static. Where the bytes come from is the platform's business
 * (memory on Node, the ASSETS binding on Workers); this module never touches a file system.
 */
import type { MiddlewareHandler } from 'hono';

/** URL prefix the static files live under. */
export const STATIC_PREFIX = '/static';
/** `Cache-Control` for a URL that names the exact bytes (`?v=<content hash>`). */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** `Cache-Control` for an unversioned static URL: cache, but revalidate every time. */
export const REVALIDATE_CACHE = 'no-cache';

export type AssetManifest = Readonly<Record<string, { hash: string; type: string; size: number }>>;

/** Content-hashed asset URLs, so browsers may cache a file forever and still see every change. */
export interface Assets {
  /** `/static/css/app.css` → `/static/css/app.css?v=3f2a…`. Throws if there is no such asset (a template bug). */
  url(path: string): string;
  /** The content hash and type of the asset at `path` (a `/static/…` URL path), or null. */
  lookup(path: string): { hash: string; type: string } | null;
  /** The asset's bytes (or a ready response from the platform), or null when it has none. */
  body(path: string): Promise<BodyInit | null>;
}

/** Assets from a manifest and a way to read bytes. */
export function manifestAssets(
  manifest: () => AssetManifest,
  body: (path: string) => Promise<BodyInit | null>,
): Assets {
  const lookup = (path: string) => {
    const entry = Object.hasOwn(manifest(), path) ? manifest()[path] : undefined;
    return entry ? { hash: entry.hash, type: entry.type } : null;
  };
  return {
    url(path) {
      const entry = lookup(path);
      if (!entry) throw new Error(`No static asset ${path}`);
      return `${path}?v=${entry.hash}`;
    },
    lookup,
    body: (path) => (lookup(path) ? body(path) : Promise.resolve(null)),
  };
}

/** Whether an `If-None-Match` header lists `etag` (or is `*`); weak validators compare equal. */
function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/**
 * Serves the manifest's files under `/static/*` (GET and HEAD only; anything else, and any path not in
 * the manifest, falls through to the 404). Only exact manifest paths are served, so no traversal,
 * dotfile or directory listing can reach anything.
 *
 * Caching: a URL carrying the file's content hash (`?v=`) is cached for a year as immutable; any other
 * gets `no-cache` and revalidates against the `ETag` (the content hash) with a 304.
 */
export function staticFiles(assets: Assets): MiddlewareHandler {
  return async function staticFilesMiddleware(c, next) {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const path = c.req.path;
    const entry = assets.lookup(path);
    if (!entry || new URL(c.req.url).pathname !== path) return next();
    const cacheControl = c.req.query('v') === entry.hash ? IMMUTABLE_CACHE : REVALIDATE_CACHE;
    const etag = `"${entry.hash}"`;
    if (ifNoneMatch(c.req.header('If-None-Match'), etag)) {
      return c.body(null, 304, { ETag: etag, 'Cache-Control': cacheControl });
    }
    const body = await assets.body(path);
    if (body === null) return next();
    return c.body(c.req.method === 'HEAD' ? null : (body as never), 200, {
      'Content-Type': entry.type,
      ETag: etag,
      'Cache-Control': cacheControl,
    });
  };
}
