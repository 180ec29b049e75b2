// reasoning_tokens on both surfaces, whole and streamed: the upstream's thinking_tokens when it gives them,
// else the local tokenizer's count of the thinking text (at most the output tokens), and 0 without thinking.
import t from 'tap';
import { lazyTokenizer } from '../../../src/count/tokenizer.ts';
import { chatCompletionFrom } from '../../../src/translate/openai-chat/response.ts';
import { ChatSseTranslator } from '../../../src/translate/openai-chat/sse-translator.ts';
import { responseFromMessage } from '../../../src/translate/openai-responses/response.ts';
import { ResponsesSseTranslator } from '../../../src/translate/openai-responses/sse-translator.ts';
import type { AnthropicResponse, AnthropicUsage } from '../../../src/wire/anthropic.ts';
import { fixtureOptions, parseResponsesSse } from '../../helpers/responses-fixtures.ts';
import { parseOpenAISse } from '../../helpers/stream-fixtures.ts';

const countTokens = await lazyTokenizer()();
const THINKING = ['The user asks for the capital of France. ', 'That is Paris; no tool is needed.'];
const thinkingTokens = THINKING.reduce((sum, text) => sum + countTokens(text), 0);

const thinkingAnswer = (usage: AnthropicUsage): AnthropicResponse => ({
  id: 'msg_1',
  model: 'claude-sonnet-4-5',
  stop_reason: 'end_turn',
  content: [
    { type: 'thinking', thinking: THINKING[0], signature: 'sig-a' },
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'thinking', thinking: THINKING[1], signature: 'sig-b' },
    { type: 'text', text: 'Paris.' },
  ],
  usage,
});
const plainAnswer = (usage: AnthropicUsage): AnthropicResponse => ({ id: 'msg_2', model: 'claude-sonnet-4-5', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Paris.' }], usage });

/** The answer as Anthropic streams it: thinking in two deltas per block, the usage in message_delta. */
function upstreamStream(answer: AnthropicResponse): Buffer {
  const events: object[] = [{ type: 'message_start', message: { id: answer.id, model: answer.model, usage: { input_tokens: answer.usage!.input_tokens, output_tokens: 1 } } }];
  answer.content!.forEach((block, index) => {
    if (block.type === 'thinking') {
      const half = Math.floor(block.thinking!.length / 2);
      events.push(
        { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '' } },
        { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking!.slice(0, half) } },
        { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking!.slice(half) } },
        { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: block.signature } },
      );
    } else if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: block });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: answer.stop_reason }, usage: answer.usage }, { type: 'message_stop' });
  return Buffer.from(events.map((event) => `event: ${(event as { type: string }).type}\ndata: ${JSON.stringify(event)}\n\n`).join(''));
}

const chatOptions = { created: 1700000000, fallbackId: 'req-1', fallbackModel: 'm', responseFormatTool: null, legacyFunctions: false, countTokens };

function chatWhole(answer: AnthropicResponse): number {
  return chatCompletionFrom(answer, chatOptions).usage.completion_tokens_details.reasoning_tokens;
}

function chatStreamed(answer: AnthropicResponse): number {
  const translator = new ChatSseTranslator({ ...chatOptions, includeUsage: true });
  const { items } = parseOpenAISse(translator.push(upstreamStream(answer)) + translator.end());
  return (items.at(-1) as any).usage.completion_tokens_details.reasoning_tokens;
}

function responsesWhole(answer: AnthropicResponse): number {
  return responseFromMessage(answer, { ...fixtureOptions({ responseFormatTool: null, customTools: [] }), countTokens }).usage!.output_tokens_details.reasoning_tokens;
}

function responsesStreamed(answer: AnthropicResponse): number {
  const translator = new ResponsesSseTranslator({ ...fixtureOptions({ responseFormatTool: null, customTools: [] }), countTokens });
  const events = parseResponsesSse(translator.push(upstreamStream(answer)) + translator.end());
  return events.at(-1).response.usage.output_tokens_details.reasoning_tokens;
}

const surfaces = { 'chat, whole': chatWhole, 'chat, streamed': chatStreamed, 'Responses, whole': responsesWhole, 'Responses, streamed': responsesStreamed };

for (const [surface, reasoningTokens] of Object.entries(surfaces)) {
  t.test(`${surface}: without the upstream's count, the tokenizer's count of the thinking text`, async (t) => {
    t.ok(thinkingTokens > 10, 'the thinking text has tokens');
    t.equal(reasoningTokens(thinkingAnswer({ input_tokens: 10, output_tokens: 200 })), thinkingTokens);
  });

  t.test(`${surface}: the upstream's count wins over the estimate, a 0 included`, async (t) => {
    t.equal(reasoningTokens(thinkingAnswer({ input_tokens: 10, output_tokens: 200, output_tokens_details: { thinking_tokens: 57 } })), 57);
    t.equal(reasoningTokens(thinkingAnswer({ input_tokens: 10, output_tokens: 200, output_tokens_details: { thinking_tokens: 0 } })), 0);
  });

  t.test(`${surface}: the estimate never exceeds the output tokens`, async (t) => {
    t.equal(reasoningTokens(thinkingAnswer({ input_tokens: 10, output_tokens: 5 })), 5);
  });

  t.test(`${surface}: without thinking, 0`, async (t) => {
    t.equal(reasoningTokens(plainAnswer({ input_tokens: 10, output_tokens: 200 })), 0);
  });
}

t.test('without a counter (a translator used alone), no estimate: 0 as before', async (t) => {
  const answer = thinkingAnswer({ input_tokens: 10, output_tokens: 200 });
  t.equal(chatCompletionFrom(answer, { ...chatOptions, countTokens: undefined }).usage.completion_tokens_details.reasoning_tokens, 0);
  t.equal(responseFromMessage(answer, fixtureOptions({ responseFormatTool: null, customTools: [] })).usage!.output_tokens_details.reasoning_tokens, 0);
});
