// Upstream error answers -> OpenAI errors: status kept (529 -> 503), message kept, type and code mapped,
// z.ai variants accepted, retry-after and rate-limit headers relayed.
import t from 'tap';
import { toOpenAIError } from '../../../src/errors.ts';
import { openAIRateLimitName } from '../../../src/translate/anthropic/response-headers.ts';
import { upstreamApiError, upstreamErrorToOpenAI } from '../../../src/translate/anthropic/upstream-error.ts';
import { relayedResponseHeaders } from '../../../src/upstream/response-headers.ts';

const anthropic = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_1' });

t.test('each Anthropic error type keeps its status and maps type and code', async (t) => {
  const cases: Array<[number, string, string, string]> = [
    [400, 'invalid_request_error', 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', 'authentication_error', 'invalid_api_key'],
    [403, 'permission_error', 'permission_error', 'permission_error'],
    [404, 'not_found_error', 'not_found_error', 'not_found_error'],
    [413, 'request_too_large', 'invalid_request_error', 'request_too_large'],
    [429, 'rate_limit_error', 'rate_limit_error', 'rate_limit_exceeded'],
    [500, 'api_error', 'server_error', 'api_error'],
  ];
  for (const [status, type, openAIType, code] of cases) {
    const error = upstreamErrorToOpenAI(status, anthropic(type, `upstream says ${type}`), {});
    t.equal(error.statusCode, status, type);
    t.strictSame(toOpenAIError(error), { error: { message: `upstream says ${type}`, type: openAIType, param: null, code } }, type);
  }
});

t.test('529 overloaded becomes 503 with a retry-after (the upstream one when given)', async (t) => {
  const error = upstreamErrorToOpenAI(529, anthropic('overloaded_error', 'Overloaded'), {});
  t.equal(error.statusCode, 503);
  t.strictSame(toOpenAIError(error), { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' } });
  t.equal(error.headers['retry-after'], '2');
  t.equal(upstreamErrorToOpenAI(529, anthropic('overloaded_error', 'Overloaded'), { 'retry-after': '7' }).headers['retry-after'], '7');
});

t.test("z.ai variants: numeric error.type and {error:{code,message}} keep the code", async (t) => {
  const numeric = upstreamErrorToOpenAI(429, JSON.stringify({ type: 'error', error: { type: '1113', message: 'Insufficient balance' }, request_id: '2025' }), {});
  t.strictSame(toOpenAIError(numeric), { error: { message: 'Insufficient balance', type: 'rate_limit_error', param: null, code: '1113' } });
  const native = upstreamErrorToOpenAI(400, JSON.stringify({ error: { code: '1210', message: 'The temperature parameter is illegal.' } }), {});
  t.strictSame(toOpenAIError(native), { error: { message: 'The temperature parameter is illegal.', type: 'invalid_request_error', param: null, code: '1210' } });
  const numberCode = upstreamErrorToOpenAI(400, JSON.stringify({ error: { code: 1214, message: 'bad' } }), {});
  t.equal(numberCode.code, '1214');
});

t.test('bodies that are not JSON or carry no message still give a useful error', async (t) => {
  const html = upstreamErrorToOpenAI(502, '<html>Bad gateway</html>', {});
  t.strictSame(toOpenAIError(html), { error: { message: '<html>Bad gateway</html>', type: 'server_error', param: null, code: 'upstream_502' } });
  const empty = upstreamErrorToOpenAI(500, '', {});
  t.equal(empty.message, 'The upstream answered HTTP 500');
  t.equal(upstreamErrorToOpenAI(302, '', {}).statusCode, 502, 'a redirect is not an answer');
});

t.test('retry-after and rate-limit headers are relayed, also under x-ratelimit-* names', async (t) => {
  const error = upstreamErrorToOpenAI(429, anthropic('rate_limit_error', 'slow down'), relayedResponseHeaders({
    'retry-after': '30',
    'request-id': 'req_9',
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '0',
    'anthropic-ratelimit-requests-reset': '2025-01-01T00:00:30Z',
    'anthropic-ratelimit-tokens-limit': '1000',
    'anthropic-ratelimit-input-tokens-remaining': '10',
    'content-type': 'application/json',
    'set-cookie': ['a=b'],
  }));
  t.strictSame(error.headers, {
    'retry-after': '30',
    'request-id': 'req_9',
    'anthropic-ratelimit-requests-limit': '50',
    'anthropic-ratelimit-requests-remaining': '0',
    'anthropic-ratelimit-requests-reset': '2025-01-01T00:00:30Z',
    'anthropic-ratelimit-tokens-limit': '1000',
    'anthropic-ratelimit-input-tokens-remaining': '10',
    'x-ratelimit-limit-requests': '50',
    'x-ratelimit-remaining-requests': '0',
    'x-ratelimit-reset-requests': '2025-01-01T00:00:30Z',
    'x-ratelimit-limit-tokens': '1000',
    'x-ratelimit-remaining-input-tokens': '10',
  });
  t.equal(openAIRateLimitName('anthropic-ratelimit-output-tokens-reset'), 'x-ratelimit-reset-output-tokens');
  t.equal(openAIRateLimitName('anthropic-ratelimit-unified-status'), null);
});

t.test('upstream errors get the OpenAI code clients branch on, whatever carried them', async (t) => {
  const report = (status: number | null, type: string | null, message: string, code: string | null = null) => upstreamApiError({ status, type, code, message });
  const cases: Array<[ReturnType<typeof report>, number, string, string | null]> = [
    [report(400, 'invalid_request_error', 'prompt is too long: 208423 tokens > 200000 maximum'), 400, 'invalid_request_error', 'context_length_exceeded'],
    [report(400, 'invalid_request_error', 'input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000'), 400, 'invalid_request_error', 'context_length_exceeded'],
    [report(null, 'invalid_request_error', 'Prompt is too long'), 400, 'invalid_request_error', 'context_length_exceeded'],
    [report(400, null, 'Prompt 超长', '1261'), 400, 'invalid_request_error', 'context_length_exceeded'],
    [report(400, 'invalid_request_error', 'max_tokens: too large'), 400, 'invalid_request_error', 'invalid_request_error'],
    [report(401, 'authentication_error', 'bad key'), 401, 'authentication_error', 'invalid_api_key'],
    [report(402, 'billing_error', 'no credit'), 402, 'invalid_request_error', 'insufficient_quota'],
    [report(429, 'rate_limit_error', 'slow down'), 429, 'rate_limit_error', 'rate_limit_exceeded'],
    [report(null, 'rate_limit_error', 'slow down'), 429, 'rate_limit_error', 'rate_limit_exceeded'],
    [report(529, 'overloaded_error', 'Overloaded'), 503, 'server_error', 'overloaded'],
    [report(null, 'overloaded_error', 'Overloaded'), 503, 'server_error', 'overloaded'],
    [report(null, 'api_error', 'boom'), 500, 'server_error', 'api_error'],
    [report(429, null, 'Insufficient balance', '1113'), 429, 'rate_limit_error', '1113'],
    [report(null, 'novel_error', 'odd'), 502, 'server_error', 'novel_error'],
    [report(502, null, '<html>'), 502, 'server_error', 'upstream_502'],
    [report(null, null, 'nothing said'), 502, 'server_error', null],
    [report(413, 'request_too_large', 'Request exceeds the maximum size'), 413, 'invalid_request_error', 'request_too_large'],
  ];
  for (const [error, status, type, code] of cases) {
    t.equal(error.statusCode, status, `${error.message}: status`);
    t.equal(error.openaiType, type, `${error.message}: type`);
    t.equal(error.code, code, `${error.message}: code`);
  }
});

t.test('an overloaded upstream gets a retry-after, its own when it gave one', async (t) => {
  t.equal(upstreamApiError({ status: 529, type: 'overloaded_error', code: null, message: 'x' }).headers['retry-after'], '2');
  t.equal(upstreamApiError({ status: null, type: 'overloaded_error', code: null, message: 'x' }).headers['retry-after'], '2', 'in a 200 or an event too');
  t.equal(upstreamApiError({ status: 529, type: 'overloaded_error', code: null, message: 'x', headers: { 'retry-after': '9' } }).headers['retry-after'], '9');
  t.equal(upstreamApiError({ status: 503, type: null, code: null, message: 'x' }).headers['retry-after'], undefined, 'a plain 503 says what it says');
});
