/**
 * `GET /files/<token>`: a file, only through a short-lived signed URL (src/evidence/download.ts). Served
 * as an attachment under our own name and type, `nosniff`, and a `sandbox` CSP, so not even a file that
 * got past the type check could run script in our origin. A bad, expired or foreign link is the same 404;
 * a file whose stored copy is missing or fails its integrity check is a 409 that says so and names the
 * SHA-256 recorded at upload (an auditor must tell tampering from a link that leads nowhere), logged and
 * recorded in the tenant's audit trail: once per evidence version and reason an hour (the rate-limit
 * store's counter), so a holder of a link who loops it cannot grow the trail without bound; every
 * refusal is still a 409 and a log line.
 */
import { Hono } from 'hono';
import { HttpError } from '../errors.js';
import type { AppEnv } from '../http/env.js';
import type { Ports } from '../platform/ports.js';
import { IntegrityError, openDownload, verifyDownloadToken } from './download.js';
import { EvidenceError } from './evidence.js';
import { attachmentDisposition } from './file-names.js';
import { EVIDENCE_MESSAGES } from './messages.js';
import { auditIntegrityFailure, reasonOf } from './verify.js';

const gone = () =>
  new HttpError(404, EVIDENCE_MESSAGES['evidence.downloadGone'], { said: { key: 'evidence.downloadGone' } });

/** One audit row per (evidence version, reason) in this window; the refusals in between are logged only. */
export const INTEGRITY_AUDIT_WINDOW_MS = 60 * 60_000;

export function evidenceRoutes(platform: Pick<Ports, 'store' | 'master' | 'blobs' | 'clock' | 'rateLimits'>) {
  const app = new Hono<AppEnv>();
  app.get('/:token', async (c) => {
    const grant = await verifyDownloadToken(platform, c.req.param('token'));
    if (!grant) throw gone();
    let file: Awaited<ReturnType<typeof openDownload>>;
    try {
      file = await openDownload(platform, grant);
    } catch (err) {
      if (!(err instanceof IntegrityError)) throw err;
      // Ids only: no names, no tokens.
      const log = c.get('log');
      log.error({ event: 'evidence.integrity_failed', evidence: grant.evidenceId, reason: err.message });
      const reason = reasonOf(err);
      const auditFailed = (e: unknown) =>
        log.error({
          event: 'evidence.integrity_audit_failed',
          evidence: grant.evidenceId,
          error: (e as Error)?.name ?? 'unknown',
        });
      // A counter store that fails must not hide a tampering from the trail: then the row is written.
      const first = await platform.rateLimits
        .hit(
          { name: 'evidence-integrity-audit', subject: `${grant.tenantId}:${grant.evidenceId}:${reason}` },
          INTEGRITY_AUDIT_WINDOW_MS,
        )
        .then(
          (n) => n.count === 1,
          () => true,
        );
      if (first)
        await auditIntegrityFailure(platform, grant.tenantId, grant.evidenceId, err, 'system:download').catch(
          auditFailed,
        );
      const missing = reason === 'missing';
      throw new EvidenceError(
        409,
        'integrity',
        missing ? 'evidence.blobMissing' : 'evidence.integrityFailed',
        {
          sha256: err.expected ?? 'unknown',
        },
      );
    }
    if (!file) throw gone();
    const head = c.req.method === 'HEAD';
    if (head) await file.body.cancel();
    return new Response(head ? null : file.body, {
      status: 200,
      headers: {
        'Content-Type': file.type,
        'Content-Length': String(file.size),
        'Content-Disposition': attachmentDisposition(file.name),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': 'sandbox',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
      },
    });
  });
  return app;
}
