// Compressed upstream answers on every route, streamed and not: gzip, deflate, br and zstd are decoded
// (before: the passthrough relayed compressed bytes as plain JSON or SSE, and the chat route answered 502).
// The client gets the very answer an uncompressed upstream gives, without content-encoding; the proxy
// asks for none; a body that cannot be decoded is a clean 502 or a final error event.
import { once } from 'node:events';
import * as zlib from 'node:zlib';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicErrorBody, anthropicMessage, sseText, textStreamEvents } from '../helpers/mock-upstream.ts';

type Coding = 'gzip' | 'deflate' | 'br' | 'zstd';
const CODINGS: Coding[] = ['gzip', 'deflate', 'br', 'zstd'];

function compressor(coding: Coding): zlib.Gzip | zlib.Deflate | zlib.BrotliCompress | zlib.ZstdCompress {
  switch (coding) {
    case 'gzip': return zlib.createGzip();
    case 'deflate': return zlib.createDeflate();
    case 'br': return zlib.createBrotliCompress();
    case 'zstd': return zlib.createZstdCompress();
  }
}

/** Each piece compressed and flushed, as a server that compresses a stream sends it: one chunk per piece. */
async function compressedChunks(coding: Coding, pieces: string[]): Promise<Buffer[]> {
  const stream = compressor(coding);
  const chunks: Buffer[] = [];
  let current: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => current.push(chunk));
  for (const piece of pieces) {
    stream.write(piece);
    await new Promise<void>((resolve) => stream.flush(() => resolve()));
    chunks.push(Buffer.concat(current));
    current = [];
  }
  stream.end();
  await once(stream, 'end');
  chunks.push(Buffer.concat(current));
  return chunks.filter((chunk) => chunk.length > 0);
}

async function compressed(coding: Coding, text: string): Promise<Buffer> {
  return Buffer.concat(await compressedChunks(coding, [text]));
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0' });
  const base = await listen(app);
  const anthropic = new Anthropic({ baseURL: base, apiKey: 'sk-client', maxRetries: 0 });
  const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { mock, anthropic, openai, post };
}

const message = anthropicMessage({ text: 'Decoded fine.', usage: { input_tokens: 5, output_tokens: 3 } });
const streamText = sseText(textStreamEvents(['Hello', ', ', 'compressed ', 'world']));
const request = { model: 'glm-4.5', max_tokens: 50, messages: [{ role: 'user' as const, content: 'x' }] };
const chatRequest = { model: 'glm-4.5', messages: [{ role: 'user' as const, content: 'x' }] };

t.test('the proxy asks the upstream for uncompressed answers', async (t) => {
  const { mock, post } = await setup(t);
  await post('/v1/messages', request);
  t.equal(mock.lastRequest.headers['accept-encoding'], 'identity');
});

for (const coding of CODINGS) {
  t.test(`${coding}: every route, streamed and not, answers as with an uncompressed upstream`, async (t) => {
    const { mock, anthropic, openai, post } = await setup(t);
    const json = (body: unknown, status = 200) => compressed(coding, JSON.stringify(body)).then((bytes) => ({
      kind: 'raw' as const, status, body: bytes, headers: { 'content-type': 'application/json', 'content-encoding': coding },
    }));
    const sse = async () => ({
      kind: 'sse' as const,
      chunks: await compressedChunks(coding, streamText.split(/(?<=\n\n)/)),
      headers: { 'content-encoding': coding },
    });

    // The passthrough, whole: the client sees plain JSON, no content-encoding, the right length.
    mock.enqueue(await json(message));
    const whole = await post('/v1/messages', request);
    t.equal(whole.status, 200);
    t.equal(whole.headers.get('content-encoding'), null);
    const wholeText = await whole.text();
    t.equal(Number(whole.headers.get('content-length')), Buffer.byteLength(wholeText));
    t.same(JSON.parse(wholeText), message);

    // The passthrough, streamed: the decoded bytes, exactly, and no error event after them.
    mock.enqueue(await sse());
    const streamed = await post('/v1/messages', { ...request, stream: true });
    t.equal(streamed.headers.get('content-encoding'), null);
    t.equal(await streamed.text(), streamText, 'the upstream SSE, decoded, byte for byte');

    // The same through the Anthropic SDK.
    mock.enqueue(await sse());
    const sdkStream = anthropic.messages.stream(request);
    t.equal((await sdkStream.finalMessage()).content.map((block) => (block.type === 'text' ? block.text : '')).join(''), 'Hello, compressed world');

    // Token counting.
    mock.enqueue(await json({ input_tokens: 42 }));
    t.equal((await anthropic.messages.countTokens({ model: 'glm-4.5', messages: request.messages })).input_tokens, 42);

    // Chat completions, whole and streamed, through the openai SDK.
    mock.enqueue(await json(message));
    t.equal((await openai.chat.completions.create(chatRequest)).choices[0]?.message.content, 'Decoded fine.');
    mock.enqueue(await sse());
    let content = '';
    for await (const chunk of await openai.chat.completions.create({ ...chatRequest, stream: true })) content += chunk.choices[0]?.delta.content ?? '';
    t.equal(content, 'Hello, compressed world');

    // A compressed error answer keeps its status and message on both API families.
    mock.enqueue(await json(anthropicErrorBody('authentication_error', 'invalid x-api-key'), 401));
    const chatError = await post('/v1/chat/completions', chatRequest);
    t.equal(chatError.status, 401);
    t.match(await chatError.json(), { error: { message: 'invalid x-api-key', code: 'invalid_api_key' } });
    mock.enqueue(await json(anthropicErrorBody('authentication_error', 'invalid x-api-key'), 401));
    const passthroughError = await post('/v1/messages', request);
    t.equal(passthroughError.status, 401);
    t.match(await passthroughError.json(), { type: 'error', error: { message: 'invalid x-api-key' } });
  });
}

t.test('two codings applied in turn are undone in turn', async (t) => {
  const { mock, post } = await setup(t);
  // `gzip, br`: gzip applied first, then br.
  const body = zlib.brotliCompressSync(zlib.gzipSync(JSON.stringify(message)));
  mock.enqueue({ kind: 'raw', status: 200, body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip, br' } });
  t.same(await (await post('/v1/messages', request)).json(), message);
});

t.test('a compressed stream is decoded as it arrives, not held until it ends', async (t) => {
  const { mock, post } = await setup(t);
  const events = streamText.split(/(?<=\n\n)/);
  const chunks = await compressedChunks('gzip', events);
  // The first two events, then the upstream goes quiet (the rest never comes in this test).
  mock.enqueue({ kind: 'sse', chunks: chunks.slice(0, 2), headers: { 'content-encoding': 'gzip' }, after: 'hang' });
  const streamed = await post('/v1/messages', { ...request, stream: true });
  const reader = streamed.body!.getReader();
  let seen = '';
  const deadline = Date.now() + 5000;
  while (!seen.includes('content_block_start') && Date.now() < deadline) {
    const next = await Promise.race([reader.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000).unref())]);
    if (next === null || next.done) break;
    seen += new TextDecoder().decode(next.value);
  }
  t.equal(seen, events.slice(0, 2).join(''), 'the events sent so far reached the client');
  await reader.cancel();
});

t.test('a body that cannot be decoded: a 502 naming the coding, or a final error event once streaming', async (t) => {
  const { mock, post } = await setup(t);
  const garbage = Buffer.from('this is not gzip at all');
  mock.enqueue({ kind: 'raw', status: 200, body: garbage, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
  const chat = await post('/v1/chat/completions', chatRequest);
  t.equal(chat.status, 502);
  t.match(await chat.json(), { error: { code: 'upstream_invalid_response', message: /sent a gzip body that cannot be decoded/ } });
  mock.enqueue({ kind: 'raw', status: 200, body: garbage, headers: { 'content-type': 'application/json', 'content-encoding': 'br' } });
  const whole = await post('/v1/messages', request);
  t.equal(whole.status, 502);
  t.match(await whole.json(), { type: 'error', error: { type: 'api_error', message: /br body that cannot be decoded/ } });

  // A stream whose compressed bytes go bad after the first events.
  const good = await compressedChunks('gzip', streamText.split(/(?<=\n\n)/).slice(0, 2));
  mock.enqueue({ kind: 'sse', chunks: [good[0]!, Buffer.from('garbage in the middle')], headers: { 'content-encoding': 'gzip' } });
  const streamed = await (await post('/v1/messages', { ...request, stream: true })).text();
  t.match(streamed, /event: message_start/);
  t.match(streamed, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"The upstream .* sent a gzip body that cannot be decoded/);

  mock.enqueue({ kind: 'raw', status: 200, body: garbage, headers: { 'content-type': 'application/json', 'content-encoding': 'compress' } });
  const unknown = await post('/v1/messages', request);
  t.equal(unknown.status, 502);
  t.match(await unknown.json(), { error: { message: /content-encoding "compress", which the proxy cannot decode/ } });
});
