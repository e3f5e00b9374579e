import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { statusMessage } from '../../errors.js';
import type { Logger } from '../../http/logger-types.js';
import { securityHeaderSet } from '../../http/security-headers.js';

/** What Node's HTTP parser (llhttp) or its timers say about a connection it gave up on. */
type ClientError = Error & { code?: string; reason?: string };

/** Parser and timer error codes → the status Node itself would answer with. */
function statusFor(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

const TEXT: Readonly<Record<number, string>> = {
  431: 'The request headers are too large.',
};

/** The bytes of a complete `Connection: close` answer carrying every security header. */
function clientErrorAnswer(status: number, requestId: string): string {
  const body = `${TEXT[status] ?? statusMessage(status)}\n`;
  const headers: Record<string, string> = {
    ...securityHeaderSet(),
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Request-Id': requestId,
    Connection: 'close',
  };
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return `${head}\r\n${body}`;
}

/**
 * A `clientError` listener: Node's answers to requests that never reach Hono (a malformed
 * request line, headers over the limit, headers or a body that took too long) are plain
 * `400`/`431`/`408` lines without our security headers. This answers with the same status, a
 * short text and the headers every other response carries, and logs one info line (the parser's
 * code and reason, never the raw bytes, which may hold a link token).
 *
 * With a listener, closing the socket is ours: it is ended after the answer, or destroyed at
 * once when a response is already on the wire (writing then would corrupt it) or the client
 * has gone (`ECONNRESET`, which is logged at debug: idle keep-alive clients do it all the time).
 */
export function answerClientErrors(logger: Logger) {
  return function onClientError(err: ClientError, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      logger.debug({ status: 499, aborted: true }, 'client connection reset before a request');
      socket.destroy();
      return;
    }
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    const status = statusFor(err.code);
    const requestId = crypto.randomUUID();
    logger.info(
      { requestId, status, parserError: err.code ?? err.name, reason: err.reason },
      'request refused by the HTTP parser',
    );
    if (inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorAnswer(status, requestId), () => socket.destroy());
  };
}
