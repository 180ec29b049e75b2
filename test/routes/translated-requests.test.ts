// Requests OpenAI accepts that Anthropic would refuse as they stand, through both translated routes against
// the mock upstream: what reaches the upstream is a body Anthropic accepts (test/helpers/anthropic-request-rules.ts),
// and what the upstream cannot take (more than 4 cache breakpoints) comes back as its error in OpenAI's shape.
import t, { type Test } from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { anthropicRequestProblems } from '../helpers/anthropic-request-rules.ts';
import { MockUpstream, anthropicErrorBody } from '../helpers/mock-upstream.ts';

async function setup(t: Test) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0' });
  const post = async (url: string, payload: Record<string, unknown>) => {
    const before = mock.requests.length;
    const reply = await app.inject({ method: 'POST', url, headers: { authorization: 'Bearer sk-client' }, payload });
    const upstream = mock.requests.length > before ? mock.lastRequest.body : null;
    const json = reply.headers['content-type']?.toString().startsWith('application/json') ? reply.json() : null;
    return { status: reply.statusCode, json, text: reply.body, upstream };
  };
  return { mock, post };
}

const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Os' } };

t.test('chat: assistant tool_calls whose arguments are not JSON are sent as raw_arguments, not refused', async (t) => {
  const { post } = await setup(t);
  const { status, upstream } = await post('/v1/chat/completions', {
    model: 'm',
    messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: 'snow' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  });
  t.equal(status, 200);
  t.same(anthropicRequestProblems(upstream), []);
  t.strictSame(upstream.messages[1].content, [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { raw_arguments: '{"city": "Os' } }]);
});

t.test('responses: function_call history without tools, with arguments that are not JSON', async (t) => {
  const { post } = await setup(t);
  const { status, upstream } = await post('/v1/responses', {
    model: 'm',
    store: false,
    input: [
      { role: 'user', content: 'Weather?' },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: 'Oslo' },
      { type: 'function_call_output', call_id: 'call_1', output: 'snow' },
      { role: 'user', content: 'Sum it up.' },
    ],
  });
  t.equal(status, 200);
  t.same(anthropicRequestProblems(upstream), []);
  t.strictSame(upstream.messages[1].content, [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { raw_arguments: 'Oslo' } }]);
  t.strictSame(upstream.tools.map((tool: { name: string }) => tool.name), ['get_weather'], 'the history tool is defined');
  t.strictSame(upstream.tool_choice, { type: 'none' });
});

t.test('temperature and top_p together: only temperature reaches the upstream, on both routes', async (t) => {
  const { post } = await setup(t);
  const chat = await post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.4, top_p: 0.9 });
  t.equal(chat.status, 200);
  t.same(anthropicRequestProblems(chat.upstream), []);
  t.equal(chat.upstream.temperature, 0.4);
  t.notOk('top_p' in chat.upstream);
  const responses = await post('/v1/responses', { model: 'm', store: false, input: 'hi', temperature: 0.4, top_p: 0.9 });
  t.equal(responses.status, 200);
  t.same(anthropicRequestProblems(responses.upstream), []);
  t.equal(responses.upstream.temperature, 0.4);
  t.notOk('top_p' in responses.upstream);
  t.equal(responses.json.top_p, 0.9, 'the response still echoes what the client asked for');
});

t.test('more than 4 cache_control markers: all reach the upstream where they were put, its 400 comes back in OpenAI shape', async (t) => {
  const { mock, post } = await setup(t);
  const upstreamMessage = 'A maximum of 4 blocks with cache_control may be provided. Found 5.';
  const cached = { type: 'ephemeral' };
  const request = {
    model: 'm',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'a', cache_control: cached }, { type: 'text', text: 'b', cache_control: cached }] },
      { role: 'user', content: [{ type: 'text', text: 'c', cache_control: cached }, { type: 'text', text: 'd', cache_control: cached }, { type: 'text', text: 'e', cache_control: cached }] },
    ],
  };
  for (const stream of [false, true]) {
    mock.enqueue({ kind: 'json', status: 400, body: anthropicErrorBody('invalid_request_error', upstreamMessage) });
    const { status, json, upstream } = await post('/v1/chat/completions', { ...request, stream });
    t.strictSame(upstream.system, [{ type: 'text', text: 'a', cache_control: cached }, { type: 'text', text: 'b', cache_control: cached }], `stream ${stream}: system markers kept`);
    t.strictSame(upstream.messages[0].content.map((block: { cache_control?: unknown }) => block.cache_control), [cached, cached, cached], 'user markers kept');
    t.equal(status, 400, 'an HTTP error, streamed or not');
    t.equal(json.error.type, 'invalid_request_error');
    t.match(json.error.message, upstreamMessage, "the upstream's reason, word for word");
  }
});

t.test('chat: a custom tool is offered upstream and its call comes back as type "custom", streamed and not', async (t) => {
  const { mock, post } = await setup(t);
  const patch = '*** Begin Patch\n+Hello "world"\n*** End Patch';
  const request = {
    model: 'm',
    messages: [{ role: 'user', content: 'Add hello.txt' }],
    tools: [{ type: 'custom', custom: { name: 'apply_patch', description: 'Edit files.', format: { type: 'text' } } }],
    tool_choice: { type: 'custom', custom: { name: 'apply_patch' } },
  };
  mock.enqueue({ kind: 'json', body: { id: 'msg_c', type: 'message', role: 'assistant', model: 'glm-4.6', content: [{ type: 'tool_use', id: 'toolu_c', name: 'apply_patch', input: { input: patch } }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 5 } } });
  const plain = await post('/v1/chat/completions', request);
  t.equal(plain.status, 200);
  t.same(anthropicRequestProblems(plain.upstream), []);
  t.strictSame(plain.upstream.tools.map((tool: { name: string; input_schema: unknown }) => [tool.name, tool.input_schema]), [['apply_patch', { type: 'object', properties: { input: { type: 'string', description: 'The raw text input of the tool, exactly as the tool expects it.' } }, required: ['input'] }]]);
  t.strictSame(plain.upstream.tool_choice, { type: 'tool', name: 'apply_patch' });
  t.strictSame(plain.json.choices[0].message.tool_calls, [{ id: 'toolu_c', type: 'custom', custom: { name: 'apply_patch', input: patch } }]);
  t.equal(plain.json.choices[0].finish_reason, 'tool_calls');

  const encoded = JSON.stringify({ input: patch });
  mock.enqueue({ kind: 'sse', events: [
    { data: { type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', model: 'glm-4.6', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } } },
    { data: { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_s', name: 'apply_patch', input: {} } } },
    { data: { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: encoded.slice(0, 15) } } },
    { data: { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: encoded.slice(15) } } },
    { data: { type: 'content_block_stop', index: 0 } },
    { data: { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } } },
    { data: { type: 'message_stop' } },
  ] });
  const streamed = await post('/v1/chat/completions', { ...request, stream: true });
  t.equal(streamed.status, 200);
  const chunks = streamed.text.split('\n\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)));
  t.strictSame(chunks.flatMap((chunk) => chunk.choices[0]?.delta?.tool_calls ?? []), [
    { index: 0, id: 'toolu_s', type: 'custom', custom: { name: 'apply_patch', input: '' } },
    { index: 0, custom: { input: patch } },
  ]);

  // The client sends the call back with its result: a valid tool_use / tool_result pair upstream.
  const again = await post('/v1/chat/completions', {
    ...request,
    tool_choice: 'auto',
    messages: [...request.messages, plain.json.choices[0].message, { role: 'tool', tool_call_id: 'toolu_c', content: 'Done.' }],
  });
  t.equal(again.status, 200);
  t.same(anthropicRequestProblems(again.upstream), []);
  t.strictSame(again.upstream.messages[1].content, [{ type: 'tool_use', id: 'toolu_c', name: 'apply_patch', input: { input: patch } }]);
});

t.test('tool history Anthropic would refuse is made valid on both routes: an unanswered call, a result without its call', async (t) => {
  const { post } = await setup(t);
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }];
  const chat = await post('/v1/chat/completions', {
    model: 'm',
    tools,
    messages: [
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'user', content: 'Never mind.' },
      { role: 'tool', tool_call_id: 'call_gone', content: 'snow' },
    ],
  });
  t.equal(chat.status, 200);
  t.same(anthropicRequestProblems(chat.upstream), []);
  t.strictSame(chat.upstream.messages[2].content, [
    { type: 'tool_result', tool_use_id: 'call_1', content: 'No result: this tool call was not answered.', is_error: true },
    { type: 'text', text: 'Result of tool call call_gone: snow' },
    { type: 'text', text: 'Never mind.' },
  ]);

  const responses = await post('/v1/responses', {
    model: 'm',
    store: false,
    input: [{ role: 'user', content: 'Weather?' }, { type: 'function_call_output', call_id: 'call_gone', output: 'snow' }],
  });
  t.equal(responses.status, 200);
  t.same(anthropicRequestProblems(responses.upstream), []);
  t.strictSame(responses.upstream.messages, [{ role: 'user', content: [{ type: 'text', text: 'Result of tool call call_gone: snow' }, { type: 'text', text: 'Weather?' }] }]);
  t.notOk(responses.upstream.tools, 'no tool is left in the history, so none is defined');
});

t.test('responses: instructions alone are sent as the user turn, as chat does with system messages alone', async (t) => {
  const { post } = await setup(t);
  const { status, upstream } = await post('/v1/responses', { model: 'm', store: false, instructions: 'Say hello.', input: [] });
  t.equal(status, 200);
  t.strictSame(upstream.messages, [{ role: 'user', content: [{ type: 'text', text: 'Say hello.' }] }]);
  t.notOk(upstream.system);
  const none = await post('/v1/responses', { model: 'm', store: false, input: [] });
  t.equal(none.status, 400);
  t.equal(none.json.error.param, 'input');
});
