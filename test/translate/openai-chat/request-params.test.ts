// Sampling and limit parameters: max tokens, stop, temperature cap, top_p/top_k, user, n, stream, dropped fields.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import type { ChatCompletionRequest } from '../../../src/wire/openai-chat.ts';
import { RULES, failure } from './rules.ts';

const messages = [{ role: 'user', content: 'hi' }];
const pick = (body: object) => Object.fromEntries(Object.entries(body).filter(([key]) => key === 'temperature' || key === 'top_p'));
const translate = (extra: Record<string, unknown>) => translateChatRequest({ model: 'glm-4.5', messages, ...extra } as ChatCompletionRequest, RULES);

t.test('a plain request becomes a whole Anthropic body; OpenAI-only fields are dropped', async (t) => {
  const result = translate({
    max_tokens: 100, temperature: 0.3, top_p: 0.9, top_k: 40, stop: ['END', '  ', '\n\n', '\n\nUser:'], user: 'user-42',
    seed: 7, presence_penalty: 1, frequency_penalty: 1, logit_bias: { 1: 2 }, logprobs: true, top_logprobs: 2, store: true,
    metadata: { tag: 'x' }, service_tier: 'auto', modalities: ['text'], audio: null, prediction: null, n: 1, some_future_field: 1,
  });
  t.strictSame(result.body, {
    model: 'glm-4.5',
    max_tokens: 100,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    stop_sequences: ['END', '\n\nUser:'],
    temperature: 0.3,
    top_k: 40,
    metadata: { user_id: 'user-42' },
  });
  t.same({ stream: result.stream, includeUsage: result.includeUsage, responseFormatTool: result.responseFormatTool }, { stream: false, includeUsage: false, responseFormatTool: null });
});

t.test('max_completion_tokens wins over max_tokens; DEFAULT_MAX_TOKENS when neither', async (t) => {
  t.equal(translate({ max_tokens: 10, max_completion_tokens: 20 }).body.max_tokens, 20);
  t.equal(translate({ max_tokens: 10 }).body.max_tokens, 10);
  t.equal(translate({}).body.max_tokens, 4096);
  t.equal(translateChatRequest({ messages } as ChatCompletionRequest, { ...RULES, defaultMaxTokens: 123 }).body.max_tokens, 123);
});

t.test('temperature and top_p together (Anthropic refuses both at once): only temperature is sent', async (t) => {
  t.strictSame(pick(translate({ temperature: 0.3, top_p: 0.9 }).body), { temperature: 0.3 });
  t.strictSame(pick(translate({ top_p: 0.9 }).body), { top_p: 0.9 }, 'top_p alone is sent');
  t.strictSame(pick(translate({ temperature: null, top_p: 0.9 }).body), { top_p: 0.9 }, 'a null temperature is absent');
  t.strictSame(pick(translate({ temperature: 0.3, top_p: 0.9, reasoning_effort: 'low' }).body), { top_p: 0.95 }, 'thinking on: temperature is not allowed, so top_p stays');
});

t.test('temperature is capped at 1', async (t) => {
  t.equal(translate({ temperature: 1.7 }).body.temperature, 1);
  t.equal(translate({ temperature: 0 }).body.temperature, 0);
  t.notOk('temperature' in translate({ temperature: null }).body);
});

t.test('stop as a string is wrapped; whitespace-only sequences are dropped', async (t) => {
  t.same(translate({ stop: 'STOP' }).body.stop_sequences, ['STOP']);
  t.notOk('stop_sequences' in translate({ stop: ' ' }).body);
  t.notOk('stop_sequences' in translate({ stop: [] }).body);
});

t.test('safety_identifier also becomes metadata.user_id', async (t) => {
  t.same(translate({ safety_identifier: 'hash-1' }).body.metadata, { user_id: 'hash-1' });
});

t.test('n other than 1 is a 400 with param n', async (t) => {
  const error = failure(() => translate({ n: 2 }));
  t.equal(error.statusCode, 400);
  t.equal(error.param, 'n');
  t.match(error.message, /'n' must be 1/);
});

t.test('stream and stream_options.include_usage', async (t) => {
  const streamed = translate({ stream: true, stream_options: { include_usage: true } });
  t.equal(streamed.body.stream, true);
  t.equal(streamed.stream, true);
  t.equal(streamed.includeUsage, true);
  t.equal(translate({ stream: true }).includeUsage, false);
  t.equal(translate({ stream: false, stream_options: { include_usage: true } }).includeUsage, false);
  t.notOk('stream' in translate({ stream: false }).body);
});
