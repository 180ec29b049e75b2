// A fast mock Anthropic upstream for the benchmark, run as its own process so that it never shares an event
// loop with the load generator or the service. POST /v1/messages answers a prebuilt JSON message, or (when
// the body asks for `"stream": true`) a prebuilt SSE stream written in a few writes. A tag in the request's
// text picks a larger answer (payloads.ts: `[bench-json-bytes:N]`, `[bench-events:N]`); each shape is built
// once, on first use: per request the mock only reads the body, looks for the tag and writes buffers.
// `[bench-held-events:N]` asks for a stream that stays open: N events, one write each, HELD_EVENT_MS apart.
//
// Usage: node scripts/bench/mock-upstream.ts [port]   (prints `{"port":N}` on stdout once listening)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_EVENTS, HELD_EVENT_MS, messageBody, sseText, streamEvents } from './payloads.ts';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'request-id': 'req_bench_mock',
};

interface JsonAnswer {
  body: Buffer;
  headers: Record<string, string>;
}

function jsonAnswer(jsonBytes?: number): JsonAnswer {
  const body = Buffer.from(JSON.stringify(messageBody(jsonBytes)));
  return { body, headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'request-id': 'req_bench_mock' } };
}

// Text deltas per write: the default 50-event stream goes out in four writes (start, two halves of the
// deltas, the end of the message), the way a fast upstream flushes whatever tokens it has at each tick;
// longer streams keep that many deltas per write.
const DELTAS_PER_WRITE = 22.5;

function streamWrites(events: number): Buffer[] {
  const text = streamEvents(events).map(sseText);
  const firstDelta = 2;
  const lastDelta = text.length - 3;
  const groups = Math.max(1, Math.round((lastDelta - firstDelta) / DELTAS_PER_WRITE));
  const parts: string[][] = [text.slice(0, firstDelta)];
  for (let g = 0; g < groups; g++) {
    const from = firstDelta + Math.floor((g * (lastDelta - firstDelta)) / groups);
    const to = firstDelta + Math.floor(((g + 1) * (lastDelta - firstDelta)) / groups);
    parts.push(text.slice(from, to));
  }
  parts.push(text.slice(lastDelta));
  return parts.map((part) => Buffer.from(part.join('')));
}

const jsonAnswers = new Map<number, JsonAnswer>();
const streams = new Map<number, Buffer[]>();
const heldStreams = new Map<number, Buffer[]>();

/** One event per write, one write every HELD_EVENT_MS, the first at once; stops if the client leaves. */
function writePaced(response: ServerResponse, writes: Buffer[]): void {
  let next = 0;
  const writeNext = () => {
    if (next === writes.length - 1) {
      clearInterval(timer);
      response.end(writes[next]);
    } else response.write(writes[next++]);
  };
  const timer = setInterval(writeNext, HELD_EVENT_MS);
  response.once('close', () => clearInterval(timer));
  writeNext();
}
const DEFAULT_JSON = jsonAnswer();
const DEFAULT_STREAM = streamWrites(DEFAULT_EVENTS);

const STREAM_TRUE = Buffer.from('"stream":true');
const STREAM_TRUE_SPACED = Buffer.from('"stream": true');
const TAG = Buffer.from('[bench-');

/** The number after `[bench-<name>:` in the body, or undefined. */
function tagged(body: Buffer, name: string): number | undefined {
  const at = body.indexOf(TAG);
  if (at === -1) return undefined;
  const match = /^\[bench-([a-z-]+):(\d+)\]/.exec(body.toString('latin1', at, at + 40));
  return match && match[1] === name ? Number(match[2]) : undefined;
}

function answer(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
  if (request.method !== 'POST' || !request.url?.startsWith('/v1/messages')) {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"type":"error","error":{"type":"not_found_error","message":"not found"}}');
    return;
  }
  if (body.includes(STREAM_TRUE) || body.includes(STREAM_TRUE_SPACED)) {
    const held = tagged(body, 'held-events');
    if (held !== undefined) {
      const writes = heldStreams.get(held) ?? streamEvents(held).map((event) => Buffer.from(sseText(event)));
      heldStreams.set(held, writes);
      response.writeHead(200, SSE_HEADERS);
      writePaced(response, writes);
      return;
    }
    const events = tagged(body, 'events');
    let writes = DEFAULT_STREAM;
    if (events !== undefined) {
      writes = streams.get(events) ?? streamWrites(events);
      streams.set(events, writes);
    }
    response.writeHead(200, SSE_HEADERS);
    for (let i = 0; i < writes.length - 1; i++) response.write(writes[i]);
    response.end(writes[writes.length - 1]);
    return;
  }
  const jsonBytes = tagged(body, 'json-bytes');
  let json = DEFAULT_JSON;
  if (jsonBytes !== undefined) {
    json = jsonAnswers.get(jsonBytes) ?? jsonAnswer(jsonBytes);
    jsonAnswers.set(jsonBytes, json);
  }
  response.writeHead(200, json.headers);
  response.end(json.body);
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
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port, events: DEFAULT_EVENTS })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
