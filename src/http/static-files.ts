import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';

/** The repository's `static/` folder, independent of the working directory. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../static/', import.meta.url));

/** URL prefix the static files live under. */
export const STATIC_PREFIX = '/static';

/** `Cache-Control` for a URL that names the exact bytes (`?v=<content hash>`). */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** `Cache-Control` for an unversioned static URL: cache, but revalidate every time. */
export const REVALIDATE_CACHE = 'no-cache';

export interface AssetsOptions {
  /** Folder holding the files. Default {@link DEFAULT_STATIC_DIR}. */
  root?: string;
  /** Remember content hashes (production). Without it every call re-hashes, so edits show at once. */
  cache?: boolean;
}

/** Content-hashed asset URLs, so browsers may cache a file forever and still see every change. */
export interface Assets {
  readonly root: string;
  /** `/static/css/app.css` → `/static/css/app.css?v=3f2a…`. Throws if the file does not exist (a bug in a template). */
  url(path: string): string;
  /** Whether `version` is the current content hash of the file at `path` (a `/static/…` URL path). */
  isCurrent(path: string, version: string): boolean;
  /** The content hash of the file at `path`, or null if there is no such safe, existing file. */
  versionOf(path: string): string | null;
}

/** Rejects dot segments (`.`, `..`, `.env`), backslashes, NUL and empty segments before any file-system access. */
function isSafeRelative(relative: string): boolean {
  if (relative.length === 0 || relative.length > 512) return false;
  return relative
    .split('/')
    .every((segment) => segment.length > 0 && !segment.startsWith('.') && !/[\\\0]/.test(segment));
}

export function createAssets(options: AssetsOptions = {}): Assets {
  const root = options.root ?? DEFAULT_STATIC_DIR;
  const cache = options.cache ?? true;
  const hashes = new Map<string, string>();

  /** Short SHA-256 of the file's bytes, or null if `path` is not a safe, existing file under `root`. */
  function versionOf(path: string): string | null {
    if (!path.startsWith(`${STATIC_PREFIX}/`)) return null;
    const relative = path.slice(STATIC_PREFIX.length + 1);
    if (!isSafeRelative(relative)) return null;
    const known = cache ? hashes.get(relative) : undefined;
    if (known !== undefined) return known;
    const file = join(root, relative);
    try {
      if (!statSync(file).isFile()) return null;
      const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
      if (cache) hashes.set(relative, hash);
      return hash;
    } catch {
      return null;
    }
  }

  return {
    root,
    url(path) {
      const version = versionOf(path);
      if (version === null) throw new Error(`No static file for ${path} under ${root}`);
      return `${path}?v=${version}`;
    },
    isCurrent(path, version) {
      return version.length > 0 && versionOf(path) === version;
    },
    versionOf,
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
 * Serves `static/` under `/static/*` (GET and HEAD only; other methods fall through to the
 * 404). No directory listings, no dotfiles, no `..` or encoded traversal (`..%2f`): such
 * paths are refused before the file system is touched and end in the app's 404.
 *
 * Caching: a URL carrying the file's current content hash (`?v=`, see {@link Assets.url}) is
 * cached for a year as immutable; any other URL gets `no-cache`, and revalidates against an
 * `ETag` (the content hash) with a 304. `securityHeaders()` leaves that header alone under
 * `/static/`.
 */
export function staticFiles(assets: Assets): MiddlewareHandler {
  const serve = serveStatic({
    root: assets.root,
    rewriteRequestPath: (path) => path.slice(STATIC_PREFIX.length),
  });
  return async function staticFilesMiddleware(c, next) {
    const rawPath = new URL(c.req.url).pathname;
    if (!rawPath.startsWith(`${STATIC_PREFIX}/`)) return next();
    // Judge the raw (still percent-encoded) path: any escape in a static URL is refused, so
    // `%2e%2e%2f` and `..%2f` never reach the file system in decoded form.
    if (rawPath.includes('%') || !isSafeRelative(rawPath.slice(STATIC_PREFIX.length + 1))) return next();
    const hash = assets.versionOf(rawPath);
    if (hash === null) return next();
    const cacheControl = c.req.query('v') === hash ? IMMUTABLE_CACHE : REVALIDATE_CACHE;
    const etag = `"${hash}"`;
    // Revalidation of an unversioned URL costs a 304, not the whole file.
    if (ifNoneMatch(c.req.header('If-None-Match'), etag)) {
      return c.body(null, 304, { ETag: etag, 'Cache-Control': cacheControl });
    }
    // serveStatic returns the file's response, or calls next() (ending in the 404) when there is none.
    const res = await serve(c, next);
    if (!(res instanceof Response)) return;
    res.headers.set('Cache-Control', cacheControl);
    res.headers.set('ETag', etag);
    return res;
  };
}
