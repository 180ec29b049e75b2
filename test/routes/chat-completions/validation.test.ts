// Invalid bodies: 400 in OpenAI's error shape naming the field; nothing reaches the upstream.
import OpenAI from 'openai';
import t from 'tap';
import { chatSetup } from '../../helpers/chat.ts';

t.test('invalid bodies are 400s whose message and param name the offending field', async (t) => {
  const { app, mock } = await chatSetup(t);
  const cases: Array<[unknown, string, RegExp]> = [
    [{ model: 'm' }, 'messages', /'messages' is required/],
    [{ model: 'm', messages: [] }, 'messages', /'messages' must not be empty/],
    [{ model: 'm', messages: 'hi' }, 'messages', /'messages' must be of type array/],
    [{ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role', /must be one of "system", "developer", "user"/],
    [{ model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role', /is required/],
    [{ model: 'm', messages: [{ role: 'user', content: 42 }] }, 'messages[0].content', /must be of type string or array or null/],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }, 'messages[0].content[0].type', /must be one of/],
    [{ model: 5, messages: [{ role: 'user', content: 'x' }] }, 'model', /must be of type string or null/],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }, 'temperature', /must be of type number/],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens', /must be >= 1/],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 3 }, 'n', /'n' must be 1/],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'bad name' } }] }, 'tools[0].function.name', /must be 1 to 64 letters/],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }, 'messages[0].content[0]', /audio input is not supported/],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'yaml' } }, 'response_format.type', /must be one of/],
  ];
  for (const [payload, param, message] of cases) {
    const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: payload as object });
    t.equal(res.statusCode, 400, param);
    const body = res.json();
    t.match(body, { error: { type: 'invalid_request_error', param, message } }, param);
  }
  t.equal(mock.requests.length, 0, 'nothing was sent upstream');
});

t.test('the openai SDK sees a BadRequestError carrying param', async (t) => {
  const { client, mock } = await chatSetup(t);
  const error = await client.chat.completions
    .create({ model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'tool', content: 'result' } as never] })
    .catch((e: unknown) => e);
  t.type(error, OpenAI.BadRequestError);
  const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
  t.equal(bad.status, 400);
  t.equal(bad.param, 'messages[1].tool_call_id');
  t.match(bad.message, /is required for a tool message/);
  t.equal(mock.requests.length, 0);
});
