// reasoning_effort through the openai SDK: thinking upstream, reasoning_content back, thinking replayed.
import t from 'tap';
import { anthropicMessage } from '../../helpers/mock-upstream.ts';
import { chatSetup } from '../../helpers/chat.ts';

t.test('reasoning_effort -> thinking with its budget; answers carry reasoning_content and thinking_blocks', async (t) => {
  const { client, mock } = await chatSetup(t, { REASONING_BUDGETS_JSON: '{"medium":2048}' });
  mock.enqueue({
    kind: 'json',
    body: anthropicMessage({
      id: 'msg_think',
      content: [
        { type: 'thinking', thinking: '27 * 453 = 12231.', signature: 'sig-xyz' },
        { type: 'text', text: '12,231' },
      ],
    }),
  });
  const completion = await client.chat.completions.create({
    model: 'glm-4.5',
    messages: [{ role: 'user', content: '27 * 453?' }],
    reasoning_effort: 'medium',
    temperature: 0.3,
    max_completion_tokens: 1000,
  });
  t.strictSame(mock.lastRequest.body, {
    model: 'glm-4.5',
    max_tokens: 3048,
    messages: [{ role: 'user', content: [{ type: 'text', text: '27 * 453?' }] }],
    thinking: { type: 'enabled', budget_tokens: 2048 },
  });
  const message = completion.choices[0].message as typeof completion.choices[0]['message'] & { reasoning_content?: string; thinking_blocks?: unknown };
  t.equal(message.content, '12,231');
  t.equal(message.reasoning_content, '27 * 453 = 12231.');
  t.strictSame(message.thinking_blocks, [{ type: 'thinking', thinking: '27 * 453 = 12231.', signature: 'sig-xyz' }]);

  // Replaying the assistant message as returned puts the signed thinking first in its turn.
  await client.chat.completions.create({
    model: 'glm-4.5',
    reasoning_effort: 'medium',
    messages: [{ role: 'user', content: '27 * 453?' }, message as never, { role: 'user', content: 'And times 2?' }],
  });
  t.strictSame(mock.lastRequest.body.messages[1], {
    role: 'assistant',
    content: [{ type: 'thinking', thinking: '27 * 453 = 12231.', signature: 'sig-xyz' }, { type: 'text', text: '12,231' }],
  });
});

t.test('an Anthropic thinking object sent as an extra body field passes through', async (t) => {
  const { client, mock } = await chatSetup(t);
  await client.chat.completions.create({
    model: 'glm-4.5',
    messages: [{ role: 'user', content: 'x' }],
    ...({ thinking: { type: 'enabled', budget_tokens: 1500 } } as object),
  });
  t.strictSame(mock.lastRequest.body.thinking, { type: 'enabled', budget_tokens: 1500 });
  t.equal(mock.lastRequest.body.max_tokens, 4096);
});
