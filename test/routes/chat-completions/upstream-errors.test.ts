// Upstream error answers through the openai SDK: each error class, status kept, headers relayed.
import OpenAI from 'openai';
import t from 'tap';
import { anthropicErrorBody } from '../../helpers/mock-upstream.ts';
import { chatSetup } from '../../helpers/chat.ts';

const request = { model: 'glm-4.5', messages: [{ role: 'user' as const, content: 'x' }] };

t.test('each upstream error status reaches the SDK as its error class with the upstream message', async (t) => {
  const { client, mock } = await chatSetup(t);
  const cases: Array<[number, string, new (...args: never[]) => Error, string, string]> = [
    [400, 'invalid_request_error', OpenAI.BadRequestError, 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', OpenAI.AuthenticationError, 'authentication_error', 'invalid_api_key'],
    [403, 'permission_error', OpenAI.PermissionDeniedError, 'permission_error', 'permission_error'],
    [404, 'not_found_error', OpenAI.NotFoundError, 'not_found_error', 'not_found_error'],
    [413, 'request_too_large', OpenAI.APIError, 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_error', OpenAI.RateLimitError, 'rate_limit_error', 'rate_limit_exceeded'],
    [500, 'api_error', OpenAI.InternalServerError, 'server_error', 'api_error'],
    [529, 'overloaded_error', OpenAI.InternalServerError, 'server_error', 'overloaded'],
  ];
  for (const [status, anthropicType, errorClass, type, code] of cases) {
    mock.enqueue({ kind: 'json', status, body: anthropicErrorBody(anthropicType, `upstream ${anthropicType}`) });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    t.type(error, errorClass, `${status}`);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    t.equal(apiError.status, status === 529 ? 503 : status, `${status} status`);
    t.strictSame(apiError.error, { message: `upstream ${anthropicType}`, type, param: null, code }, `${status} body`);
  }
  t.equal(mock.requests.length, cases.length, 'MAX_RETRIES=0: one upstream call each');
});

t.test('429: retry-after and rate-limit headers are relayed, also under x-ratelimit-* names', async (t) => {
  const { base, mock } = await chatSetup(t);
  mock.enqueue({
    kind: 'json',
    status: 429,
    body: anthropicErrorBody('rate_limit_error', 'Too many requests'),
    headers: { 'retry-after': '12', 'anthropic-ratelimit-tokens-remaining': '0', 'anthropic-ratelimit-tokens-reset': '2030-01-01T00:00:00Z' },
  });
  const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  t.equal(res.status, 429);
  t.equal(res.headers.get('retry-after'), '12');
  t.equal(res.headers.get('anthropic-ratelimit-tokens-remaining'), '0');
  t.equal(res.headers.get('x-ratelimit-remaining-tokens'), '0');
  t.equal(res.headers.get('x-ratelimit-reset-tokens'), '2030-01-01T00:00:00Z');
  t.equal(res.headers.get('request-id'), 'req_mock_0001');
  t.strictSame(await res.json(), { error: { message: 'Too many requests', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
});

t.test('529 overloaded becomes 503 with a retry-after', async (t) => {
  const { base, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') });
  const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  t.equal(res.status, 503);
  t.equal(res.headers.get('retry-after'), '2');
});

t.test("z.ai's numeric error.type and {error:{code,message}} bodies keep the code", async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', status: 429, body: { type: 'error', error: { type: '1113', message: 'Insufficient balance or no resource package.' }, request_id: '2025100917' } });
  const balance = (await client.chat.completions.create(request).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
  t.type(balance, OpenAI.RateLimitError);
  t.strictSame(balance.error, { message: 'Insufficient balance or no resource package.', type: 'rate_limit_error', param: null, code: '1113' });
  mock.enqueue({ kind: 'json', status: 400, body: { error: { code: '1210', message: 'The temperature parameter is illegal.' } } });
  const illegal = (await client.chat.completions.create(request).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
  t.type(illegal, OpenAI.BadRequestError);
  t.equal(illegal.code, '1210');
  t.equal(illegal.message, '400 The temperature parameter is illegal.');
});

t.test('a stream request answered with an error status gets a normal HTTP error, not a 200 stream', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', status: 429, body: anthropicErrorBody('rate_limit_error', 'Slow down'), headers: { 'retry-after': '3' } });
  const error = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }).catch((e: unknown) => e);
  t.type(error, OpenAI.RateLimitError);
  t.equal((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'), '3');
  t.equal(mock.lastRequest.body.stream, true, 'the upstream was asked for a stream');
});

t.test('an unreachable upstream is a 502 InternalServerError', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'destroy' });
  const error = await client.chat.completions.create(request).catch((e: unknown) => e);
  t.type(error, OpenAI.InternalServerError);
  t.equal((error as InstanceType<typeof OpenAI.APIError>).status, 502);
});

t.test('a 200 answer that is not JSON is a 502', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'raw', status: 200, body: 'not json', headers: { 'content-type': 'application/json' } });
  const error = await client.chat.completions.create(request).catch((e: unknown) => e);
  t.type(error, OpenAI.InternalServerError);
  t.match((error as InstanceType<typeof OpenAI.APIError>).error, { code: 'upstream_invalid_response' });
});

t.test('a 200 answer that is JSON but not a message is a 502; an error envelope in a 200 is that error', async (t) => {
  const { client, mock } = await chatSetup(t);
  for (const body of ['null', '[1,2]', '"text"']) {
    mock.enqueue({ kind: 'raw', status: 200, body, headers: { 'content-type': 'application/json' } });
    const error = await client.chat.completions.create(request).catch((e: unknown) => e);
    t.type(error, OpenAI.InternalServerError, body);
    t.match((error as InstanceType<typeof OpenAI.APIError>).error, { code: 'upstream_invalid_response' }, body);
  }
  mock.enqueue({ kind: 'json', status: 200, body: anthropicErrorBody('overloaded_error', 'busy right now') });
  const overloaded = await client.chat.completions.create(request).catch((e: unknown) => e) as InstanceType<typeof OpenAI.APIError>;
  t.equal(overloaded.status, 503, 'overloaded_error in a 200 is a 503 (with retry-after) the SDK can retry');
  t.match(overloaded.error, { message: 'busy right now', code: 'overloaded' });
  mock.enqueue({ kind: 'json', status: 200, body: anthropicErrorBody('invalid_request_error', 'bad thing') });
  const invalid = await client.chat.completions.create(request).catch((e: unknown) => e);
  t.type(invalid, OpenAI.BadRequestError);
  mock.enqueue({ kind: 'json', status: 200, body: { type: 'error', error: { type: 'something_new', message: 'odd' } } });
  const unknown = await client.chat.completions.create(request).catch((e: unknown) => e) as InstanceType<typeof OpenAI.APIError>;
  t.equal(unknown.status, 502);
  t.match(unknown.error, { message: 'odd' });
});

t.test('a prompt over the context window is context_length_exceeded, streamed or not (agent frameworks trim on it)', async (t) => {
  const { client, mock } = await chatSetup(t);
  const tooLong = 'prompt is too long: 208423 tokens > 200000 maximum';
  mock.enqueue({ kind: 'json', status: 400, body: anthropicErrorBody('invalid_request_error', tooLong) });
  const plain = (await client.chat.completions.create(request).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
  t.type(plain, OpenAI.BadRequestError);
  t.strictSame(plain.error, { message: tooLong, type: 'invalid_request_error', param: null, code: 'context_length_exceeded' });
  mock.enqueue({ kind: 'sse', events: [{ data: { type: 'error', error: { type: 'invalid_request_error', message: tooLong } } }] });
  const streamed = await client.chat.completions.stream({ ...request }).finalChatCompletion().catch((e: unknown) => e);
  t.type(streamed, OpenAI.APIError);
  t.match(streamed, { code: 'context_length_exceeded', message: /prompt is too long/ });
  mock.enqueue({ kind: 'json', status: 400, body: { type: 'error', error: { type: '1261', message: 'Prompt 超长' } } });
  const zai = (await client.chat.completions.create(request).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
  t.equal(zai.code, 'context_length_exceeded', "z.ai's code for it");
});

t.test('an exhausted balance (billing_error) is insufficient_quota', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', status: 402, body: anthropicErrorBody('billing_error', 'Your credit balance is too low') });
  const error = (await client.chat.completions.create(request).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
  t.equal(error.status, 402);
  t.equal(error.code, 'insufficient_quota');
});
