// More upstream failures through the openai SDK: 409 and 422 keep their status (so the SDK raises
// ConflictError / UnprocessableEntityError with the upstream message), and the two timeouts an upstream that
// never answers runs into are 504s whose message names the upstream host and the variable that bounded the
// wait (docs/chat-completions.md "Errors", docs/passthrough.md "Failures of the upstream itself").
import OpenAI from 'openai';
import t from 'tap';
import { anthropicErrorBody, textStreamEvents } from '../../helpers/mock-upstream.ts';
import { chatSetup } from '../../helpers/chat.ts';

const request = { model: 'glm-4.5', messages: [{ role: 'user' as const, content: 'x' }] };
type ApiError = InstanceType<typeof OpenAI.APIError>;

const hostOf = (url: string) => new URL(url).host;

t.test('409 -> ConflictError and 422 -> UnprocessableEntityError, status, message and code kept', async (t) => {
  const { client, mock } = await chatSetup(t);
  const cases: Array<[number, new (...args: never[]) => Error, string]> = [
    [409, OpenAI.ConflictError, 'conflict_error'],
    [422, OpenAI.UnprocessableEntityError, 'unprocessable_entity_error'],
  ];
  for (const [status, errorClass, anthropicType] of cases) {
    mock.enqueue({ kind: 'json', status, body: anthropicErrorBody(anthropicType, `upstream said ${status}`) });
    const error = (await client.chat.completions.create(request).catch((e: unknown) => e)) as ApiError;
    t.type(error, errorClass, `${status} class`);
    t.equal(error.status, status, `${status} status`);
    t.equal(error.message, `${status} upstream said ${status}`, `${status} SDK message`);
    t.strictSame(error.error, { message: `upstream said ${status}`, type: 'invalid_request_error', param: null, code: anthropicType }, `${status} body`);

    // The same for a stream request: an HTTP error before any stream starts.
    mock.enqueue({ kind: 'json', status, body: anthropicErrorBody(anthropicType, `stream ${status}`) });
    const streamError = (await client.chat.completions.create({ ...request, stream: true }).catch((e: unknown) => e)) as ApiError;
    t.type(streamError, errorClass, `${status} class (stream: true)`);
    t.equal(streamError.status, status, `${status} status (stream: true)`);
    t.match(streamError.error, { message: `stream ${status}` }, `${status} message (stream: true)`);
  }
  t.equal(mock.requests.length, 4, 'one upstream call each: 409 and 422 are not retried');
});

t.test('409 / 422 bodies that are not Anthropic envelopes still give the class, with a fallback code', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'raw', status: 409, body: 'conflict, try later', headers: { 'content-type': 'text/plain' } });
  const conflict = (await client.chat.completions.create(request).catch((e: unknown) => e)) as ApiError;
  t.type(conflict, OpenAI.ConflictError);
  t.match(conflict.error, { message: 'conflict, try later', code: 'upstream_409' });
  mock.enqueue({ kind: 'raw', status: 422, body: '', headers: {} });
  const unprocessable = (await client.chat.completions.create(request).catch((e: unknown) => e)) as ApiError;
  t.type(unprocessable, OpenAI.UnprocessableEntityError);
  t.match(unprocessable.error, { message: 'The upstream answered HTTP 422', code: 'upstream_422' });
});

t.test('an upstream that never sends headers: 504 upstream_headers_timeout naming the host and UPSTREAM_HEADERS_TIMEOUT_MS', async (t) => {
  const { client, mock } = await chatSetup(t, { UPSTREAM_HEADERS_TIMEOUT_MS: '150', MAX_RETRIES: '0' });
  mock.enqueue({ kind: 'hang' }, { kind: 'hang' });
  // Both at once (undici checks its headers timeout on a coarse tick, so each wait is up to ~1 s).
  const started = Date.now();
  const results = await Promise.all(
    [false, true].map(async (stream) => {
      const error = (await client.chat.completions.create({ ...request, ...(stream ? { stream: true as const } : {}) }).catch((e: unknown) => e)) as ApiError;
      return { stream, error, elapsed: Date.now() - started };
    }),
  );
  for (const { stream, error, elapsed } of results) {
    t.type(error, OpenAI.InternalServerError, `stream ${stream}: InternalServerError`);
    t.equal(error.status, 504, `stream ${stream}: 504`);
    t.match(error.error, { type: 'server_error', param: null, code: 'upstream_headers_timeout' }, `stream ${stream}: type and code`);
    const message = (error.error as { message: string }).message;
    t.ok(message.includes(hostOf(mock.url)), `stream ${stream}: the message names the upstream ${hostOf(mock.url)}: ${message}`);
    t.match(message, /UPSTREAM_HEADERS_TIMEOUT_MS \(150 ms\)/, `stream ${stream}: the message names the variable and its value`);
    t.notMatch(message, /sk-|api[_-]?key/i, `stream ${stream}: no key in the message`);
    t.ok(elapsed >= 120, `stream ${stream}: not before the timeout (${elapsed} ms)`);
    t.ok(elapsed < 3000, `stream ${stream}: soon after it (${elapsed} ms)`);
  }
  t.equal(mock.requests.length, 2, 'MAX_RETRIES=0: one upstream call each');
  await Promise.all(mock.requests.map((r) => r.done));
  t.ok(mock.requests.every((r) => r.aborted), 'the upstream requests were given up');
});

t.test('an upstream that never answers: 504 upstream_timeout naming the host and UPSTREAM_TIMEOUT_MS', async (t) => {
  const { client, mock } = await chatSetup(t, { UPSTREAM_TIMEOUT_MS: '200', MAX_RETRIES: '0' });
  for (const stream of [false, true]) {
    mock.enqueue({ kind: 'hang' });
    const started = Date.now();
    const error = (await client.chat.completions.create({ ...request, ...(stream ? { stream: true as const } : {}) }).catch((e: unknown) => e)) as ApiError;
    const elapsed = Date.now() - started;
    t.type(error, OpenAI.InternalServerError, `stream ${stream}: InternalServerError`);
    t.equal(error.status, 504, `stream ${stream}: 504`);
    t.match(error.error, { type: 'server_error', param: null, code: 'upstream_timeout' }, `stream ${stream}: code`);
    const message = (error.error as { message: string }).message;
    t.ok(message.includes(hostOf(mock.url)), `stream ${stream}: the message names the upstream: ${message}`);
    t.match(message, /UPSTREAM_TIMEOUT_MS \(200 ms\)/, `stream ${stream}: the message names the variable and its value`);
    t.ok(elapsed >= 170, `stream ${stream}: not before the timeout (${elapsed} ms)`);
    t.ok(elapsed < 3000, `stream ${stream}: soon after it (${elapsed} ms)`);
    await mock.lastRequest.done;
    t.equal(mock.lastRequest.aborted, true, `stream ${stream}: the upstream request was aborted`);
  }
});

t.test('UPSTREAM_TIMEOUT_MS also bounds a body that never finishes after the headers', async (t) => {
  const { client, mock } = await chatSetup(t, { UPSTREAM_TIMEOUT_MS: '200', MAX_RETRIES: '0' });
  const head = textStreamEvents(['Hel', 'lo']).slice(0, 4);

  // Non-streaming: the headers came, the body did not end: still a 504 before any answer.
  mock.enqueue({ kind: 'sse', events: head, after: 'hang' });
  const error = (await client.chat.completions.create(request).catch((e: unknown) => e)) as ApiError;
  t.type(error, OpenAI.InternalServerError);
  t.equal(error.status, 504);
  t.match(error.error, { code: 'upstream_timeout', message: /UPSTREAM_TIMEOUT_MS \(200 ms\)/ });

  // Streaming: the stream has started, so it ends with an error event (no [DONE]) and the SDK throws.
  mock.enqueue({ kind: 'sse', events: head, after: 'hang' });
  const stream = await client.chat.completions.create({ ...request, stream: true });
  let seen = '';
  const failure = await (async () => {
    for await (const chunk of stream) seen += chunk.choices[0]?.delta.content ?? '';
    return null;
  })().catch((e: unknown) => e);
  t.equal(seen, 'Hel', 'the text before the cut arrived');
  t.type(failure, OpenAI.APIError, 'the SDK raised instead of returning a cut-off answer');
  t.match(failure, { code: 'upstream_timeout', message: /UPSTREAM_TIMEOUT_MS/ });
});
