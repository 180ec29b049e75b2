// WebSocket mode of the Responses API, against the service on a real port and a mock upstream: the openai
// SDK's ResponsesWS client over one connection (previous_response_id, store:false continuation), the events
// equal to the SSE ones, errors as error events, auth at the handshake, and the limits (huge frame, client
// gone mid-response, idle timeout, the drain's 1001, many idle sockets).
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import t from 'tap';
import WebSocket from 'ws';
import { buildTestApp, listen } from '../../helpers/app.ts';
import { messageReply, textBlock } from '../../helpers/anthropic-replies.ts';
import { MockUpstream, type RecordedRequest } from '../../helpers/mock-upstream.ts';
import { postSse } from '../../helpers/sse-client.ts';
import { startDrain } from '../../../src/http/lifecycle.ts';
import { decodeSse } from '../../../src/stream/sse-decoder.ts';
import type { AppDeps } from '../../../src/app.ts';

const KEY = 'sk-proxy-ws-test';

/** Every text of the upstream request's messages, in order. */
function texts(request: RecordedRequest): string[] {
  const out: string[] = [];
  for (const message of request.body.messages ?? []) {
    if (typeof message.content === 'string') out.push(message.content);
    else for (const block of message.content) if (block.type === 'text') out.push(block.text);
  }
  return out;
}

async function setup(t: Parameters<typeof buildTestApp>[0], options: { env?: Record<string, string>; deps?: AppDeps } = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  let answers = 0;
  mock.setHandler((request) => messageReply(request, { content: [textBlock(`answer ${++answers}`)] }));
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', PROXY_API_KEYS: KEY, ...options.env }, options.deps);
  const base = await listen(app);
  const wsUrl = `${base.replace('http:', 'ws:')}/v1/responses`;
  return { app, mock, base, wsUrl, logs };
}

/** A raw `ws` client that collects the frames it receives. */
async function connect(url: string, headers: Record<string, string> = { authorization: `Bearer ${KEY}` }) {
  const socket = new WebSocket(url, { headers });
  const frames: any[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse(String(data)));
    for (const waiter of waiters.splice(0)) waiter();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  /** Resolves with the frames up to and including the next one whose type is in `types`. */
  const until = async (...types: string[]): Promise<any[]> => {
    const start = frames.length;
    for (;;) {
      const at = frames.findIndex((frame, i) => i >= start && types.includes(frame.type));
      if (at >= 0) return frames.slice(start, at + 1);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { socket, frames, until, closed, send: (event: object) => socket.send(JSON.stringify(event)) };
}

t.test('the openai SDK: two responses on one connection, then a store:false continuation', async (t) => {
  const { base, mock } = await setup(t);
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: KEY, maxRetries: 0 });
  const ws = new ResponsesWS(client);
  t.teardown(() => ws.close({ code: 1000, reason: 'done' }));
  const completed: OpenAI.Responses.Response[] = [];
  const deltas: string[] = [];
  ws.on('response.output_text.delta', (event) => deltas.push(event.delta));
  const next = () => new Promise<OpenAI.Responses.Response>((resolve, reject) => {
    ws.once('response.completed', (event) => resolve(event.response));
    ws.once('error', reject);
  });

  ws.send({ type: 'response.create', model: 'glm-4.5', instructions: 'Be brief.', input: 'Plan a trip to Oslo.' });
  completed.push(await next());
  t.equal(completed[0].output_text ?? completed[0].output.map((item: any) => item.content?.[0]?.text).join(''), 'answer 1');
  t.equal(deltas.join(''), 'answer 1');

  ws.send({ type: 'response.create', model: 'glm-4.5', previous_response_id: completed[0].id, input: 'In March.' });
  completed.push(await next());
  t.strictSame(texts(mock.requests[1]), ['Plan a trip to Oslo.', 'answer 1', 'In March.'], 'continued from the stored response');

  ws.send({ type: 'response.create', model: 'glm-4.5', store: false, previous_response_id: completed[1].id, input: 'By train.' });
  const unstored = await next();
  ws.send({ type: 'response.create', model: 'glm-4.5', store: false, previous_response_id: unstored.id, input: 'Which station?' });
  await next();
  t.strictSame(texts(mock.requests[3]), ['Plan a trip to Oslo.', 'answer 1', 'In March.', 'answer 2', 'By train.', 'answer 3', 'Which station?'], 'a store:false response continues within the connection');
  const stored = await client.responses.retrieve(unstored.id).then(() => true, () => false);
  t.notOk(stored, 'the store:false response was not stored');
});

t.test('the events over WebSocket are the SSE data lines of the same request', async (t) => {
  let ids = 0;
  const deps: AppDeps = { responses: { now: () => 1_700_000_000_000, newResponseId: () => `resp_${String(++ids).padStart(32, '0')}` } };
  const { base, wsUrl, mock } = await setup(t, { deps, env: { PROXY_API_KEYS: '' } });
  mock.setHandler((request) => messageReply(request, { content: [textBlock('The same answer, in several pieces.')] }));
  const request = { model: 'glm-4.5', input: 'Hi', store: false };
  const sse = await postSse(`${base}/v1/responses`, { ...request, stream: true });
  const sseData = decodeSse(Buffer.from(await sse.readAll())).map((event) => event.data);
  t.ok(sseData.length > 5);
  const client = await connect(wsUrl, { authorization: 'Bearer sk-client' });
  client.send({ type: 'response.create', ...request });
  const frames = await client.until('response.completed');
  const overSocket = frames.map((frame) => JSON.stringify(frame));
  const renumbered = sseData.map((data: string) => data.replaceAll('resp_00000000000000000000000000000001', 'resp_00000000000000000000000000000002').replaceAll('00000000000000000000000000000001_', '00000000000000000000000000000002_'));
  t.strictSame(overSocket, renumbered, 'byte-identical content, event for event');
  client.socket.close();
});

t.test('errors are error events with OpenAI codes; the connection stays usable', async (t) => {
  const { wsUrl } = await setup(t);
  const client = await connect(wsUrl);
  client.send({ type: 'response.create', model: 'glm-4.5', previous_response_id: 'resp_0123456789abcdef0123456789abcdef', input: 'Hi' });
  const [missing] = await client.until('error');
  t.match(missing, { type: 'error', status: 404, error: { type: 'invalid_request_error', code: 'previous_response_not_found', param: 'previous_response_id' } });
  client.send({ type: 'session.update' });
  const [unknown] = await client.until('error');
  t.match(unknown, { type: 'error', status: 400, error: { code: 'unknown_event_type' } });
  client.socket.send('not json');
  const [invalid] = await client.until('error');
  t.match(invalid, { type: 'error', status: 400, error: { code: 'invalid_json' } });
  client.send({ type: 'response.create', model: 'glm-4.5', input: 'Hi' });
  const frames = await client.until('response.completed');
  t.equal(frames[0].type, 'response.created');
  client.socket.close();
});

t.test('auth at the handshake: no key, no connection', async (t) => {
  const { wsUrl, base } = await setup(t);
  const status = await new Promise<number>((resolve) => {
    const socket = new WebSocket(wsUrl);
    socket.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', () => undefined);
  });
  t.equal(status, 401);
  const plain = await fetch(`${base}/v1/responses`, { headers: { authorization: `Bearer ${KEY}` } });
  t.equal(plain.status, 400, 'a plain GET is told to upgrade');
  const viaKey = await connect(wsUrl, { 'x-api-key': KEY });
  viaKey.socket.close();
});

t.test('a frame over BODY_LIMIT_BYTES closes the connection with 1009', async (t) => {
  const { wsUrl, mock } = await setup(t, { env: { BODY_LIMIT_BYTES: '65536' } });
  const client = await connect(wsUrl);
  client.send({ type: 'response.create', model: 'glm-4.5', input: 'x'.repeat(70_000) });
  const { code } = await client.closed;
  t.equal(code, 1009);
  t.equal(mock.requests.length, 0, 'nothing reached the upstream');
});

t.test('a client vanishing mid-response aborts the upstream request', async (t) => {
  const { wsUrl, mock } = await setup(t);
  mock.setHandler(() => ({ kind: 'sse', events: [{ data: { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'glm-4.5', content: [], usage: { input_tokens: 1, output_tokens: 1 } } } }], after: 'hang' }));
  const client = await connect(wsUrl);
  client.send({ type: 'response.create', model: 'glm-4.5', input: 'Hi' });
  await client.until('response.created');
  client.socket.terminate();
  const deadline = Date.now() + 5000;
  while (!mock.requests[0]?.aborted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.ok(mock.requests[0].aborted, 'the upstream request was aborted');
});

t.test('idle timeout, many idle sockets, and the drain closing with 1001 after the response in flight', async (t) => {
  const { app, wsUrl, mock } = await setup(t, { deps: { responses: { websocket: { idleTimeoutMs: 300 } } } });
  const idle = await connect(wsUrl);
  t.equal((await idle.closed).code, 1000, 'an idle connection is closed');

  const many = await Promise.all(Array.from({ length: 20 }, () => connect(wsUrl)));
  const codes = await Promise.all(many.map((client) => client.closed));
  t.ok(codes.every(({ code }) => code === 1000), 'idle sockets do not pile up');

  mock.setHandler((request) => ({ ...(messageReply(request, { content: [textBlock('slow answer')] }) as object), delayMs: 100 } as never));
  const busy = await connect(wsUrl);
  const waiting = await connect(wsUrl);
  busy.send({ type: 'response.create', model: 'glm-4.5', input: 'Hi' });
  await busy.until('response.created');
  startDrain(app.lifecycle);
  t.equal((await waiting.closed).code, 1001, 'an idle connection closes at once on a drain');
  const frames = await busy.until('response.completed');
  t.equal(frames.at(-1).type, 'response.completed', 'the response in flight finishes');
  t.equal((await busy.closed).code, 1001, 'then its connection closes');
});

t.test('a slow reader: the service reads the upstream only as fast as the client takes the frames', async (t) => {
  const { app, wsUrl, mock } = await setup(t);
  const piece = 'x'.repeat(128 * 1024);
  const pieces = 64;
  const start = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'glm-4.5', content: [], usage: { input_tokens: 1, output_tokens: 1 } } };
  mock.setHandler(() => ({
    kind: 'sse',
    events: [
      { data: start },
      { data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      ...Array.from({ length: pieces }, () => ({ data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } } })),
      { data: { type: 'content_block_stop', index: 0 } },
      { data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } } },
      { data: { type: 'message_stop' } },
    ],
  }));
  const client = await connect(wsUrl);
  const raw = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  client.send({ type: 'response.create', model: 'glm-4.5', input: 'Hi' });
  await client.until('response.output_text.delta');
  raw.pause();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const [server] = [...app.websocketServer.clients];
  t.ok(server.bufferedAmount < (pieces * piece.length) / 2, `the service holds ${server.bufferedAmount} bytes for the paused client, not the whole answer`);
  raw.resume();
  const frames = await client.until('response.completed');
  const text = frames.filter((frame) => frame.type === 'response.output_text.delta').map((frame) => frame.delta).join('');
  t.ok(text.length >= (pieces - 1) * piece.length, 'then the whole answer arrives');
  client.socket.close();
});
