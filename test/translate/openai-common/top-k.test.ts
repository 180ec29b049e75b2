// top_k (an Anthropic extension clients send to OpenAI-compatible services): mapped by one rule on both
// surfaces (anthropic/request.ts), and left out with thinking on, which Anthropic refuses it with.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { RULES } from '../openai-chat/rules.ts';
import { translate as translateResponses } from '../openai-responses/rules.ts';

const chat = (fields: object) => translateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...fields } as never, RULES).body;
const responses = (fields: object) => translateResponses({ input: 'hi', ...fields } as never).body;

t.test('top_k reaches the upstream from chat and from Responses', async (t) => {
  for (const [surface, body] of [['chat', chat({ top_k: 40 })], ['responses', responses({ top_k: 40 })]] as const) {
    t.equal(body.top_k, 40, surface);
    t.same(anthropicRequestProblems(body), [], `${surface}: a body Anthropic accepts`);
  }
});

t.test('with thinking on, top_k is left out on both surfaces', async (t) => {
  const chatBody = chat({ top_k: 40, reasoning_effort: 'low' });
  const responsesBody = responses({ top_k: 40, reasoning: { effort: 'low' } });
  for (const [surface, body] of [['chat', chatBody], ['responses', responsesBody]] as const) {
    t.notOk('top_k' in body, surface);
    t.same(anthropicRequestProblems(body), [], `${surface}: a body Anthropic accepts`);
  }
});
