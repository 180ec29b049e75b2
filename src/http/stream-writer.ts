// The one writer of streamed answers. The upstream call (upstream-call.ts) hands it the upstream's SSE body and
// the route's transform (bytes in, the client's bytes out: none for the passthrough, a translator for the
// OpenAI routes); the writer does everything else the same way for every route: headers, backpressure, the
// drain's cut, the client going away, upstream failures, the final error event and the failure log line.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientGoneError, ProxyError } from '../errors.ts';
import type { UpstreamBody } from '../upstream/client.ts';
import { SecretMaskingTransform } from '../stream/secret-mask.ts';
import type { StreamTransform } from '../stream/stream-transform.ts';
import type { OpenStream, UpstreamWait } from './lifecycle.ts';
import { serverKeyToMask } from './secrets.ts';

export interface StreamReplyOptions {
  request: FastifyRequest;
  /** Already hijacked: the writer writes to its raw response. */
  reply: FastifyReply;
  /** The body of a 2xx upstream answer (Anthropic SSE). */
  body: UpstreamBody;
  /** From upstreamWaitFor: its signal aborts when the client goes. */
  wait: UpstreamWait;
  transform: StreamTransform;
  /** The service key the upstream call used (masked in the stream), or null (the client's own key, or none). */
  secret: string | null;
  /** Maps a failure while reading the body (the upstream client's failureOf, `response` phase). */
  failureOf(error: unknown): ProxyError | ClientGoneError;
  /** Default 200. */
  status?: number;
  /** Default `text/event-stream`. */
  contentType?: string;
  /** Called once, when the first content leaves for the client (the attempt's first_token event). */
  onFirstOutput?: () => void;
}

const STREAM_HEADERS = {
  'cache-control': 'no-cache',
  // nginx and similar proxies buffer responses unless told not to; a buffered stream is no stream.
  'x-accel-buffering': 'no',
} as const;

/**
 * How long the response head waits for the first chunk of the answer. It normally leaves with that chunk, in
 * one write instead of two (a write(2) less per stream, measured at about a tenth of a passthrough stream's
 * CPU); an upstream slow to send its first event still lets the client see the status and headers early
 * (clients' first-byte timeouts, a UI that shows the request was taken).
 */
export const HEAD_WAIT_MS = 50;

/** The event type of an answer's content in Anthropic's stream (text, thinking and tool input deltas). */
const CONTENT_EVENT = Buffer.from('content_block_delta');

/** Resolves when the client has taken what was written, or has gone. */
function drained(raw: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
  });
}

function headersFor(reply: FastifyReply, contentType: string): Record<string, string | number | string[]> {
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  Object.assign(headers, STREAM_HEADERS);
  headers['content-type'] = contentType;
  return headers;
}

/**
 * Writes the whole streamed answer: the headers with the first output (alone if HEAD_WAIT_MS passes without
 * any), then the transform's output as the upstream sends, reading the upstream only as fast as the client
 * takes it. Resolves when the stream is over, however it ended; stream failures become the transform's final
 * error event, never an exception.
 */
export async function streamReply(options: StreamReplyOptions): Promise<void> {
  const { request, reply, body, wait } = options;
  // The server's key never reaches a client, whatever the upstream echoes (secrets.ts does whole answers).
  // The key this call used is the one an upstream could echo (whole answers: secrets.ts masks every service key).
  const serverKey = options.secret === null ? null : serverKeyToMask(options.secret);
  const transform = serverKey === null ? options.transform : new SecretMaskingTransform(options.transform, serverKey);
  const { signal } = wait;
  const app = request.server;
  const raw = reply.raw;
  wait.streaming();
  if (signal.aborted || raw.destroyed) {
    body.destroy();
    raw.destroy();
    return;
  }

  // Until the first write the head waits (a timer flushes it alone if the answer is slow to begin).
  let headTimer: NodeJS.Timeout | null = null;
  const headGoes = (): void => {
    if (headTimer === null) return;
    clearTimeout(headTimer);
    headTimer = null;
  };
  // The response ends in exactly one place: end(), or a destroy when no one is left to write to.
  let ended = false;
  const end = (last: string | Buffer): void => {
    if (ended) return;
    ended = true;
    headGoes();
    app.lifecycle.openStreams.delete(open);
    if (!raw.destroyed) raw.end(last);
  };
  const open: OpenStream = {
    cut(reason) {
      end(transform.fail(new ProxyError('shutting_down', reason)));
      body.destroy();
    },
  };
  // Time to first token: when the output made from the upstream's first content event (text, thinking or tool
  // input; message_start and pings are not content) leaves for the client. Looked for only until found.
  let firstSent = false;
  const firstOutput = (): void => {
    if (firstSent) return;
    firstSent = true;
    app.metrics.firstByteSent(request.callRecord?.upstream ?? '', reply.elapsedTime / 1000);
    options.onFirstOutput?.();
  };
  const onClientGone = (): void => {
    body.destroy();
  };

  raw.writeHead(options.status ?? 200, headersFor(reply, options.contentType ?? 'text/event-stream'));
  headTimer = setTimeout(() => {
    headTimer = null;
    if (!ended && !raw.destroyed) raw.flushHeaders();
  }, HEAD_WAIT_MS);
  headTimer.unref();
  signal.addEventListener('abort', onClientGone, { once: true });
  app.lifecycle.openStreams.add(open);
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        if (ended) return;
        // The answer had begun: a failure now is the upstream breaking off, not one to reach it.
        const failure = options.failureOf(error);
        if (failure instanceof ClientGoneError) {
          ended = true;
          raw.destroy();
          return;
        }
        end(transform.fail(failure));
        return;
      }
      if (next.done) {
        end(transform.end());
        return;
      }
      // After a successful end the rest of the body is read and dropped, so the upstream connection is reused.
      if (ended) continue;
      const content = !firstSent && next.value.includes(CONTENT_EVENT);
      const out = transform.push(next.value);
      if (transform.finished) {
        end(out);
        if (content && transform.failure === null) firstOutput();
        if (transform.failure !== null) body.destroy();
      } else if (out.length !== 0) {
        if (content) firstOutput();
        headGoes();
        if (!raw.write(out)) await drained(raw);
      }
    }
  } catch (error) {
    request.log.error({ err: error }, 'streaming an answer failed');
    end(transform.fail(new ProxyError('internal_error', 'Internal error in the proxy while streaming; see its logs for details')));
    body.destroy();
  } finally {
    headGoes();
    signal.removeEventListener('abort', onClientGone);
    app.lifecycle.openStreams.delete(open);
    if (!raw.writableEnded && !raw.destroyed) raw.destroy();
    const failure = transform.failure;
    if (failure) request.log.warn({ code: failure.code, detail: failure.message }, 'stream ended with an error event');
  }
}
