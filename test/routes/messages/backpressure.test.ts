// Backpressure on the /v1/messages passthrough: a client that stops reading makes the proxy stop reading the
// upstream (the upstream's writes stay blocked), and once the client reads again every byte arrives unchanged.
// The upstream here is a small node:http server that writes a large SSE body honouring `drain`, so the number
// of bytes it managed to hand over shows whether anyone downstream kept reading.
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { buildTestApp, listen } from '../../helpers/app.ts';
import { sseText, textStreamEvents } from '../../helpers/mock-upstream.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ~32 MB of SSE: message_start, 2200 text deltas of ~15 KB (multi-byte characters included), message_stop. */
function bigStream(): Buffer {
  const events = textStreamEvents([], { id: 'msg_big', model: 'glm-4.6' });
  const piece = 'ab€😀'.repeat(1638) + 'xyzw'; // 14,746 bytes of UTF-8 with 3- and 4-byte characters
  // Each delta is `<prefix>${i}:<piece>"}}\n\n`, assembled from encoded parts (much faster than 2200 stringify calls).
  const [before, after] = sseText([{ data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '\u0000' } } }]).split('\\u0000');
  const parts: Buffer[] = [Buffer.from(sseText(events.slice(0, 3)))];
  const pieceBytes = Buffer.from(piece + after, 'utf8');
  for (let i = 0; i < 2200; i++) parts.push(Buffer.from(`${before}${i}:`), pieceBytes);
  // textStreamEvents([]): message_start, content_block_start, ping, content_block_stop, message_delta, message_stop.
  parts.push(Buffer.from(sseText(events.slice(3))));
  return Buffer.concat(parts);
}

interface DrainingUpstream {
  url: string;
  /** Bytes handed to res.write so far (it waits for `drain` whenever write returns false). */
  written(): number;
  /** Resolves once the whole body was written and ended. */
  finished: Promise<void>;
}

/** Serves `body` to the first request, in chunks of `chunkSize` cut at arbitrary byte offsets. */
async function drainingUpstream(t: { teardown(fn: () => unknown): void }, body: Buffer, chunkSize: number): Promise<DrainingUpstream> {
  let written = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    for await (const _ of req);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': 'req_big' });
    for (let offset = 0; offset < body.length; offset += chunkSize) {
      if (res.destroyed) return;
      const chunk = body.subarray(offset, Math.min(body.length, offset + chunkSize));
      const ok = res.write(chunk);
      written += chunk.length;
      if (!ok) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    res.end(finish);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, written: () => written, finished };
}

t.test('a client that does not read stalls the upstream; after it resumes, every byte arrives unchanged', async (t) => {
  const body = bigStream();
  // The body is real SSE: its first text delta parses, and it ends with message_stop.
  const firstDelta = body.toString('utf8', 0, 40_000).split('\n\n').find((event) => event.includes('content_block_delta'))!;
  t.match(JSON.parse(firstDelta.slice(firstDelta.indexOf('data: ') + 6)), { type: 'content_block_delta', delta: { type: 'text_delta', text: /^0:ab€😀/ } });
  t.ok(body.subarray(-40).toString().includes('message_stop'));
  // Cut at an odd size so chunk edges fall inside events and inside multi-byte characters.
  const upstream = await drainingUpstream(t, body, 65_521);
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: upstream.url, MAX_RETRIES: '0' });
  const serverResponses: ServerResponse[] = [];
  app.server.on('request', (_req: IncomingMessage, res: ServerResponse) => void serverResponses.push(res));
  const base = await listen(app);

  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
    req.on('error', reject);
    t.teardown(() => req.destroy());
    req.end(JSON.stringify({ model: 'glm-4.6', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] }));
  });
  t.equal(response.statusCode, 200);
  t.match(response.headers['content-type'], /^text\/event-stream/);
  // Nothing reads the response yet: no 'data' listener, so it stays paused.

  // Watch the upstream's progress while the client is stalled: it must stop well short of the body and stay put.
  const samples: number[] = [];
  let largestBuffered = 0;
  for (let i = 0; i < 24; i++) {
    await sleep(50);
    samples.push(upstream.written());
    for (const res of serverResponses) largestBuffered = Math.max(largestBuffered, res.writableLength);
  }
  const stalledAt = samples.at(-1)!;
  t.ok(stalledAt > 0, `the upstream started writing (${stalledAt} bytes)`);
  // Socket buffers on loopback hold several MB (about 8 MB here); without backpressure it would write all 32.
  t.ok(stalledAt < body.length / 2, `the upstream stalled at ${stalledAt} of ${body.length} bytes while the client did not read`);
  t.equal(samples.at(-8), stalledAt, `no progress over the last 350 ms (samples ${samples.join(', ')})`);
  t.ok(largestBuffered < 512 * 1024, `the proxy holds at most a few chunks for the stalled client (largest buffer ${largestBuffered} bytes)`);
  t.equal(app.lifecycle.openStreams.size, 1, 'the stream is still open');

  // Resume: read everything and compare byte for byte.
  const received: Buffer[] = [];
  response.on('data', (chunk: Buffer) => received.push(chunk));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the response did not end in 8 s')), 8000)));
  await Promise.race([once(response, 'end'), timeout]).finally(() => clearTimeout(timer));
  await upstream.finished;
  t.equal(upstream.written(), body.length, 'the upstream wrote its whole body once the client read');
  const got = Buffer.concat(received);
  t.equal(got.length, body.length, 'as many bytes as the upstream sent');
  t.ok(got.equals(body), 'byte-for-byte equal to the upstream body (no error event appended)');
  await sleep(20);
  t.equal(app.lifecycle.openStreams.size, 0, 'the stream unregistered itself');
});
