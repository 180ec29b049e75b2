// A fast mock Anthropic upstream for the benchmark, run as its own process so that it never shares an event
// loop with the load generator or the service. POST /v1/messages answers a prebuilt JSON message, or (when
// the body asks for `"stream": true`) a prebuilt 50-event SSE stream written in a few writes. Everything is
// built once at start-up: per request the mock only reads the body and writes buffers.
//
// Usage: node scripts/bench/mock-upstream.ts [port]   (prints `{"port":N}` on stdout once listening)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamEvents, messageBody } from './payloads.ts';

const JSON_BODY = Buffer.from(JSON.stringify(messageBody()));
const JSON_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(JSON_BODY.length),
  'request-id': 'req_bench_mock',
};
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'request-id': 'req_bench_mock',
};

// The 50 events in four writes: start, two halves of the deltas, and the end of the message, the way a
// fast upstream flushes whatever tokens it has at each tick.
const EVENTS = streamEvents();
const SSE_WRITES: Buffer[] = (() => {
  const text = EVENTS.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  const firstDelta = 2;
  const lastDelta = text.length - 3;
  const middle = firstDelta + Math.floor((lastDelta - firstDelta) / 2);
  return [
    text.slice(0, firstDelta),
    text.slice(firstDelta, middle),
    text.slice(middle, lastDelta),
    text.slice(lastDelta),
  ].map((part) => Buffer.from(part.join('')));
})();

const STREAM_TRUE = Buffer.from('"stream":true');
const STREAM_TRUE_SPACED = Buffer.from('"stream": true');

function answer(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  if (request.method !== 'POST' || !request.url?.startsWith('/v1/messages')) {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"type":"error","error":{"type":"not_found_error","message":"not found"}}');
    return;
  }
  if (body.includes(STREAM_TRUE) || body.includes(STREAM_TRUE_SPACED)) {
    response.writeHead(200, SSE_HEADERS);
    for (let i = 0; i < SSE_WRITES.length - 1; i++) response.write(SSE_WRITES[i]);
    response.end(SSE_WRITES[SSE_WRITES.length - 1]);
    return;
  }
  response.writeHead(200, JSON_HEADERS);
  response.end(JSON_BODY);
}

const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => answer(request, response, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;

const port = Number(process.argv[2] ?? 0);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, events: EVENTS.length })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
