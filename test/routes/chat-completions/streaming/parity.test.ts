// Done when: for every recorded stream, client.chat.completions.stream() through the service yields the
// same final completion (text, tool calls with parsed arguments, finish reason, usage) as the
// non-streaming call does for the same upstream answer.
import { APIError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import t from 'tap';
import { messageFromStream } from '../../../helpers/anthropic-message.ts';
import { chatSetup } from '../../../helpers/chat.ts';
import { chatStreamFixtures, eventChunks } from '../../../helpers/stream-fixtures.ts';

/** What must agree: the fields a client acts on. */
function essentials(completion: ChatCompletion, json: boolean) {
  const choice = completion.choices[0];
  const content = choice.message.content || null;
  return {
    id: completion.id,
    model: completion.model,
    // A streamed JSON answer is the model's own text; the non-streamed one re-serializes the tool input.
    content: json && content !== null ? JSON.parse(content) : content,
    tool_calls: (choice.message.tool_calls ?? []).map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) } : call)),
    finish_reason: choice.finish_reason,
    usage: completion.usage,
  };
}

for (const fixture of chatStreamFixtures()) {
  t.test(`${fixture.name}: streamed and non-streamed answers agree`, async (t) => {
    const { client, mock } = await chatSetup(t);
    const json = fixture.responseFormatTool !== null;
    const request = {
      model: 'glm-4.5',
      messages: [{ role: 'user' as const, content: 'hi' }],
      ...(fixture.responseFormatTool ? { response_format: { type: 'json_object' as const } } : {}),
    };
    mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture.upstream) });
    const streamed = await client.chat.completions
      .stream({ ...request, stream_options: { include_usage: true } })
      .finalChatCompletion()
      .then(
        (completion) => ({ completion, error: null }),
        (error: unknown) => ({ completion: null, error }),
      );
    const message = messageFromStream(fixture.upstream);
    if (fixture.end === 'error') {
      t.equal(message, null, 'the upstream never completed this answer');
      t.type(streamed.error, APIError, 'so the stream raises instead of returning it');
      return;
    }
    t.equal(streamed.error, null);
    mock.enqueue({ kind: 'json', body: message });
    const plain = await client.chat.completions.create(request);
    t.strictSame(essentials(streamed.completion!, json), essentials(plain, json));
    t.equal(mock.requests[1].body.stream ?? false, false);
  });
}
