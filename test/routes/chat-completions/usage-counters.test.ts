// Every usage counter the upstream reports reaches the client, streamed and not: cache reads and writes
// (with the per-TTL breakdown), thinking tokens as reasoning_tokens (estimated when not counted), server tool requests.
import t from 'tap';
import { chatSetup } from '../../helpers/chat.ts';
import { anthropicMessage } from '../../helpers/mock-upstream.ts';
import { lazyTokenizer } from '../../../src/count/tokenizer.ts';

const fullUsage = {
  input_tokens: 50,
  cache_creation_input_tokens: 300,
  cache_read_input_tokens: 1200,
  cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
  output_tokens: 80,
  output_tokens_details: { thinking_tokens: 60 },
  server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 },
  service_tier: 'standard',
};

const expected = {
  prompt_tokens: 1550,
  completion_tokens: 80,
  total_tokens: 1630,
  prompt_tokens_details: { cached_tokens: 1200, cache_write_tokens: 300, cache_creation_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } },
  completion_tokens_details: { reasoning_tokens: 60 },
  server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 },
};

t.test('not streamed: every counter in usage', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ text: 'Hi', usage: fullUsage as unknown as Record<string, number> }) });
  const answer = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Hi' }] });
  t.strictSame(answer.usage, expected);
});

t.test('streamed: the usage chunk carries every counter, from message_start and the final message_delta', async (t) => {
  const { client, mock } = await chatSetup(t);
  const { output_tokens_details, server_tool_use, output_tokens, ...atStart } = fullUsage;
  mock.enqueue({
    kind: 'sse',
    events: [
      { data: { type: 'message_start', message: { ...anthropicMessage({ content: [], stop_reason: null }), usage: { ...atStart, output_tokens: 1 } } } },
      { data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } } },
      { data: { type: 'content_block_stop', index: 0 } },
      { data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens, output_tokens_details, server_tool_use } } },
      { data: { type: 'message_stop' } },
    ],
  });
  const stream = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
  const usages = [];
  for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
  t.strictSame(usages, [expected], 'one usage chunk, complete');
});

t.test('thinking without the upstream counting it: reasoning_tokens is the local tokenizer count of its text, streamed and not', async (t) => {
  const countTokens = await lazyTokenizer()();
  const thinking = 'The user greets me; a greeting back is enough.';
  const usage = { input_tokens: 10, output_tokens: 40 };
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ content: [{ type: 'thinking', thinking, signature: 'sig' }, { type: 'text', text: 'Hi' }], usage }) });
  const answer = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Hi' }] });
  t.ok(countTokens(thinking) > 0);
  t.equal(answer.usage?.completion_tokens_details?.reasoning_tokens, countTokens(thinking), 'not streamed');
  mock.enqueue({
    kind: 'sse',
    events: [
      { data: { type: 'message_start', message: { ...anthropicMessage({ content: [], stop_reason: null }), usage: { input_tokens: 10, output_tokens: 1 } } } },
      { data: { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } } },
      { data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: thinking.slice(0, 20) } } },
      { data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: thinking.slice(20) } } },
      { data: { type: 'content_block_stop', index: 0 } },
      { data: { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } } },
      { data: { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } } },
      { data: { type: 'content_block_stop', index: 1 } },
      { data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 40 } } },
      { data: { type: 'message_stop' } },
    ],
  });
  const stream = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
  const usages = [];
  for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
  t.equal(usages.length, 1);
  t.equal(usages[0]?.completion_tokens_details?.reasoning_tokens, countTokens(thinking), 'streamed');
});
