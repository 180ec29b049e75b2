// What every streamed answer shares: the response headers and waiting for a slow client.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { UpstreamResponse } from '../upstream/client.ts';
import { relayedResponseHeaders } from '../upstream/headers.ts';

const STREAM_HEADERS = {
  'cache-control': 'no-cache',
  // nginx and similar proxies buffer responses unless told not to; a buffered stream is no stream.
  'x-accel-buffering': 'no',
} as const;

/** Headers for a hijacked streaming reply: those set on the reply so far, the relayed upstream ones, SSE's. */
export function streamHeaders(reply: FastifyReply, upstream: UpstreamResponse, contentType: string): Record<string, string | number | string[]> {
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
  Object.assign(headers, relayedResponseHeaders(upstream.headers), STREAM_HEADERS);
  headers['content-type'] = contentType;
  return headers;
}

/** Resolves when the client has taken what was written, or has gone. */
export function drained(raw: ServerResponse): Promise<void> {
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
