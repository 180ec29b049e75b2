// Plain text through the openai SDK: what goes upstream (body and headers) and what comes back.
import t from 'tap';
import { anthropicMessage } from '../../helpers/mock-upstream.ts';
import { NOW_MS, chatSetup } from '../../helpers/chat.ts';

t.test('a plain text request: whole upstream body and headers, whole chat.completion back', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({
    kind: 'json',
    body: anthropicMessage({ id: 'msg_text_1', model: 'glm-4.5', text: 'Hi! How can I help?', usage: { input_tokens: 9, output_tokens: 6 } }),
    headers: { 'anthropic-ratelimit-requests-remaining': '99' },
  });
  const { data: completion, response } = await client.chat.completions
    .create({ model: 'glm-4.5', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hello' }] })
    .withResponse();

  t.strictSame(mock.lastRequest.body, {
    model: 'glm-4.5',
    max_tokens: 4096,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
    system: [{ type: 'text', text: 'Be kind.' }],
  });
  t.equal(mock.lastRequest.path, '/v1/messages');
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-client-key', 'the Bearer key goes upstream as x-api-key');
  t.equal(mock.lastRequest.headers['anthropic-version'], '2023-06-01');
  t.equal(mock.lastRequest.headers.authorization, undefined);
  t.type(mock.lastRequest.headers['x-request-id'], 'string');

  t.strictSame(completion, {
    id: 'chatcmpl-msg_text_1',
    object: 'chat.completion',
    created: NOW_MS / 1000,
    model: 'glm-4.5',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hi! How can I help?', refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, cache_creation_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
  });
  t.equal(response.headers.get('x-ratelimit-remaining-requests'), '99');
  t.equal(response.headers.get('anthropic-ratelimit-requests-remaining'), '99');
});

t.test('every request mapping reaches the upstream as one whole body', async (t) => {
  const { client, mock } = await chatSetup(t, { MODEL_MAP_JSON: '{"gpt-4o":"glm-4.6"}' });
  await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [
      { role: 'developer', content: 'Answer in English.' },
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'three' },
    ],
    max_completion_tokens: 300,
    max_tokens: 100,
    temperature: 1.8,
    top_p: 0.8,
    stop: ['###', ' '],
    user: 'user-7',
    seed: 1,
    presence_penalty: 0.5,
    frequency_penalty: 0.5,
    logit_bias: { 50256: -100 },
    logprobs: false,
    store: false,
    metadata: { team: 'a' },
    service_tier: 'auto',
    n: 1,
    // top_k is an Anthropic extension clients send as an extra body field.
    ...({ top_k: 20 } as object),
  });
  t.strictSame(mock.lastRequest.body, {
    model: 'glm-4.6',
    max_tokens: 300,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
      { role: 'user', content: [{ type: 'text', text: 'three' }] },
    ],
    system: [{ type: 'text', text: 'Answer in English.' }],
    stop_sequences: ['###'],
    temperature: 1, // top_p as well: only temperature goes (Anthropic refuses both at once)
    top_k: 20,
    metadata: { user_id: 'user-7' },
  });
});

t.test('a missing model takes AUTOTEXT_MODEL, and the answer names the upstream model', async (t) => {
  const { client, mock } = await chatSetup(t, { AUTOTEXT_MODEL: 'glm-auto' });
  const completion = await client.chat.completions.create({ messages: [{ role: 'user', content: 'x' }] } as never);
  t.equal(mock.lastRequest.body.model, 'glm-auto');
  t.equal((completion as { model: string }).model, 'glm-auto');
});

t.test('the access log line names the model and the upstream status', async (t) => {
  const { client, logs } = await chatSetup(t);
  await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'x' }] });
  const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'request completed' && l.route === '/v1/chat/completions');
  t.match(line, { status: 200, model: 'glm-4.5', upstream_status: 200 });
});
