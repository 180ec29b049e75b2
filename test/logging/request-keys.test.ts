// Keys seen on a request never reach a log line, and the server's key never reaches a client: a client key
// an upstream error quotes (only configured keys were masked before), keys in the query string (logged in
// the access line and forwarded upstream before), and an upstream that echoes the server key in an error
// body, a stream or a translated error (relayed verbatim before, also to clients holding a proxy key).
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicErrorBody, sseText, textStreamEvents } from '../helpers/mock-upstream.ts';

const serverKey = 'sk-SERVERKEY-0123456789abcdef';
const clientKey = 'sk-CLIENTKEY-fedcba9876543210';
const proxyKey = 'pk-PROXYKEY-5555555555';
const messagesBody = { model: 'glm-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };
const chatBody = { model: 'glm-4.5', messages: [{ role: 'user', content: 'x' }] };

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string>) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'trace', ...env });
  const base = await listen(app);
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, text: await response.text() };
  };
  return { mock, logs, post, base };
}

t.test('a client key quoted by an upstream error is masked in every log line', async (t) => {
  const { mock, logs, post } = await setup(t, {});
  for (const headers of [{ 'x-api-key': clientKey }, { authorization: `Bearer ${clientKey}` }] as Record<string, string>[]) {
    mock.enqueue({ kind: 'json', status: 500, body: anthropicErrorBody('api_error', `upstream trouble with key ${clientKey}`) });
    const answer = await post('/v1/chat/completions', chatBody, headers);
    t.equal(answer.status, 500);
    t.match(answer.text, clientKey, 'the client may see its own key');
  }
  await new Promise((resolve) => setImmediate(resolve));
  const all = logs.join('');
  t.match(all, /upstream trouble with key \[REDACTED\]/, 'the message is logged, masked');
  t.notMatch(all, /CLIENTKEY/);
});

t.test('keys in the query string are dropped from the access line and from what goes upstream', async (t) => {
  const { mock, logs, post } = await setup(t, {});
  const queryKey = 'sk-QUERYKEY-1111111111';
  const answer = await post(`/v1/messages?beta=true&key=${queryKey}&API_KEY=${queryKey}2&x-api-key=${queryKey}3&token=${queryKey}4&keep=%7E1`, messagesBody, { 'x-api-key': clientKey });
  t.equal(answer.status, 200);
  t.equal(mock.lastRequest.url, '/v1/messages?beta=true&keep=%7E1', 'forwarded without them, the rest byte for byte');
  t.equal(mock.lastRequest.headers['x-api-key'], clientKey, 'the key goes upstream only as x-api-key');
  const access = logs.find((line) => line.includes('request completed'))!;
  t.match(access, /"url":"\/v1\/messages\?beta=true&keep=%7E1"/);
  t.notMatch(logs.join(''), /QUERYKEY|CLIENTKEY/);

  // Claude Code's own query string passes untouched.
  await post('/v1/messages?beta=true', messagesBody);
  t.equal(mock.lastRequest.url, '/v1/messages?beta=true');
  await post('/v1/messages/count_tokens?key=only-a-key-value', messagesBody);
  t.equal(mock.lastRequest.url, '/v1/messages/count_tokens', 'no query left at all');
});

for (const [name, env, headers] of [
  ['no client key: SERVER_API_KEY goes upstream', { SERVER_API_KEY: serverKey }, {}],
  ['a client holding a proxy key', { SERVER_API_KEY: serverKey, PROXY_API_KEYS: proxyKey }, { authorization: `Bearer ${proxyKey}` }],
] as const) {
  t.test(`the server key echoed by the upstream never reaches the client (${name})`, async (t) => {
    const { mock, logs, post } = await setup(t, env);
    const echo = `invalid x-api-key: ${serverKey}`;
    const answers: Array<{ status: number; text: string }> = [];

    mock.enqueue({ kind: 'json', status: 401, body: anthropicErrorBody('authentication_error', echo) });
    answers.push(await post('/v1/messages', messagesBody, headers));
    mock.enqueue({ kind: 'json', status: 401, body: anthropicErrorBody('authentication_error', echo) });
    answers.push(await post('/v1/messages/count_tokens', messagesBody, headers));
    mock.enqueue({ kind: 'json', status: 401, body: anthropicErrorBody('authentication_error', echo) });
    answers.push(await post('/v1/chat/completions', chatBody, headers));
    // A 200 message that quotes it.
    mock.enqueue({ kind: 'json', body: { id: 'msg_1', type: 'message', role: 'assistant', model: 'glm-4.5', content: [{ type: 'text', text: `your key is ${serverKey}` }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    answers.push(await post('/v1/chat/completions', chatBody, headers));
    // Streams, the key cut across chunks, in text and in an error event.
    const stream = sseText(textStreamEvents([`key ${serverKey} here`]));
    const cut = stream.indexOf(serverKey) + 7;
    for (const path of ['/v1/messages', '/v1/chat/completions']) {
      mock.enqueue({ kind: 'sse', chunks: [stream.slice(0, cut), stream.slice(cut)], delayMs: 20 });
      answers.push(await post(path, { ...(path === '/v1/messages' ? messagesBody : chatBody), stream: true }, headers));
      const errorStream = `${sseText(textStreamEvents(['a']).slice(0, 3))}event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: echo } })}\n\n`;
      mock.enqueue({ kind: 'sse', chunks: [errorStream] });
      answers.push(await post(path, { ...(path === '/v1/messages' ? messagesBody : chatBody), stream: true }, headers));
    }

    t.same(answers.slice(0, 3).map((answer) => answer.status), [401, 401, 401]);
    for (const [i, answer] of answers.entries()) {
      t.notMatch(answer.text, /SERVERKEY/, `answer ${i}: no server key`);
      t.notMatch(answer.text, /sk-SERVE(?!R)|0123456789abcdef/, `answer ${i}: not even a piece of it`);
    }
    t.match(answers[0]!.text, /invalid x-api-key: \[REDACTED\]/, 'the rest of the message is kept');
    t.match(answers[4]!.text, /key \[REDACTED\] here/, 'a key cut across chunks is masked whole');
    t.match(answers[5]!.text, /event: error\ndata: .*invalid x-api-key: \[REDACTED\]/);
    t.notMatch(logs.join(''), /SERVERKEY|PROXYKEY/, 'nor in the logs');
  });
}
