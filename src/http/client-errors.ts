// Requests that never reach the router: Node's HTTP parser rejects them (bad chunking, a smuggling attempt
// such as Content-Length with Transfer-Encoding, headers too large) or the client is too slow (headers not
// complete within CLIENT_HEADERS_TIMEOUT_MS, the whole request within CLIENT_REQUEST_TIMEOUT_MS). They are
// answered on the raw socket in the error shape of the path they were aimed at, with a request id, and
// the connection is closed; Fastify's default body would be neither API's shape.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyInstance } from 'fastify';
import { ProxyError, renderError } from '../errors.ts';
import { defaultPolicy } from './route-policy.ts';

/** Node's own view of a connection: the request being parsed, and the response being written. */
interface ServerSocket extends Socket {
  parser?: { incoming?: IncomingMessage | null } | null;
  _httpMessage?: { headersSent?: boolean } | null;
}

/** How long a closed-for-writing connection may take to go away before it is destroyed. */
const LINGER_MS = 1000;

/** What Node's parser sets on its errors (Fastify's type has rawPacket as JSON; it is the Buffer received). */
type ParserError = Omit<ConnectionError, 'rawPacket'> & { reason?: string; rawPacket?: unknown };

/** The path the request was aimed at: from the parsed request, else from the request line received. */
function pathOf(socket: ServerSocket, error: ParserError): string {
  const parsed = socket.parser?.incoming?.url;
  if (typeof parsed === 'string') return parsed;
  const raw = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : null;
  const line = raw?.subarray(0, 2048).toString('latin1').match(/^[A-Z]+ (\S+) HTTP\//);
  return line?.[1] ?? '/';
}

function proxyErrorFor(error: ParserError, socket: ServerSocket, app: FastifyInstance): ProxyError {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const config = app.config;
    const detail = socket.parser?.incoming
      ? `the whole request within CLIENT_REQUEST_TIMEOUT_MS (${config.clientRequestTimeoutMs} ms)`
      : `its headers within CLIENT_HEADERS_TIMEOUT_MS (${config.clientHeadersTimeoutMs} ms)`;
    return new ProxyError('request_timeout', `The request did not arrive in time: the proxy waits for ${detail}`);
  }
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new ProxyError('headers_too_large', 'The request headers are larger than the proxy accepts (16 KiB in all)');
  }
  return new ProxyError('invalid_http', `The request is not valid HTTP: ${error.reason ?? error.code ?? 'unreadable'}`);
}

/** Fastify's clientErrorHandler (called with the app as `this`). */
export function answerClientError(this: FastifyInstance, connectionError: ConnectionError, rawSocket: Socket): void {
  const error = connectionError as ParserError;
  const socket = rawSocket as ServerSocket;
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // An answer already under way on this connection cannot be followed by another one.
  if (!socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  const path = pathOf(socket, error);
  const proxyError = proxyErrorFor(error, socket, this);
  const requestId = randomUUID();
  // No route matched, so the family is the one of the API whose paths it falls under (as for a 404).
  const body = JSON.stringify(renderError(defaultPolicy(path.split('?', 1)[0]).family, proxyError));
  socket.end(
    `HTTP/1.1 ${proxyError.statusCode} ${STATUS_CODES[proxyError.statusCode]}\r\n` +
      'content-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
  this.log.info({ reqId: requestId, status: proxyError.statusCode, code: proxyError.code, reason: error.code }, 'request refused before routing');
}
