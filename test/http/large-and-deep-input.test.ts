// No input, however large or deep, is a 500: a body nested 100k levels deep is a 400 naming the field on
// every route (before: a RangeError from JSON.stringify), the limit itself is accepted, an upstream answer
// nested too deep is a 502, and an 8 MB text delta streams through the chat route whole. A body of more
// objects and arrays than the heap should hold is a 400 before it is parsed.
import fc from 'fast-check';
import t from 'tap';
import { MAX_JSON_COMMAS, MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, jsonShape, tooDeepPath } from '../../src/http/json-limits.ts';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicMessage, textStreamEvents } from '../helpers/mock-upstream.ts';

/** `{"type":"object","properties":{"a": ... }}` nested `levels` objects deep, as text (JSON.stringify cannot). */
function nestedSchema(levels: number): string {
  const pairs = Math.floor((levels - 1) / 2);
  return `${'{"type":"object","properties":{"a":'.repeat(pairs)}{}${'}}'.repeat(pairs)}`;
}

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env });
  const base = await listen(app);
  const post = (path: string, body: string) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { mock, post };
}


const deep = nestedSchema(100_000);
const chatBody = (schema: string) => `{"model":"glm-4.5","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]}`;
const messagesBody = (schema: string) => `{"max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"name":"f","input_schema":${schema}}]}`;

t.test('a tool schema nested 100k levels deep is a 400 naming the field, on every route; nothing goes upstream', async (t) => {
  for (const forwardCount of ['true', 'false']) {
    const { mock, post } = await setup(t, { FORWARD_COUNT_TO_UPSTREAM: forwardCount });
    const chat = await post('/v1/chat/completions', chatBody(deep));
    t.equal(chat.status, 400);
    t.same(await chat.json(), {
      error: {
        message: `Invalid request: 'tools[0].function.parameters' is nested more than ${MAX_JSON_DEPTH} levels deep`,
        type: 'invalid_request_error',
        param: 'tools[0].function.parameters',
        code: 'json_too_deep',
      },
    });
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const answer = await post(path, messagesBody(deep));
      t.equal(answer.status, 400, `${path} (FORWARD_COUNT_TO_UPSTREAM=${forwardCount})`);
      t.match(await answer.json(), { type: 'error', error: { type: 'invalid_request_error', message: /'tools\[0\]\.input_schema\.properties' is nested more than 1000 levels deep/ } });
    }
    const content = await post('/v1/messages', `{"max_tokens":5,"messages":[{"role":"user","content":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`);
    t.equal(content.status, 400, 'deep message content too');
    t.equal(mock.requests.length, 0, 'nothing reached the upstream');
  }
});

t.test('a body at the depth limit is accepted and forwarded', async (t) => {
  const { mock, post } = await setup(t);
  // tools, [0], function, parameters: the schema starts at level 5 of the body.
  const chat = await post('/v1/chat/completions', chatBody(nestedSchema(MAX_JSON_DEPTH - 4)));
  t.equal(chat.status, 200);
  t.equal(JSON.stringify(mock.lastRequest.body.tools[0].input_schema), nestedSchema(MAX_JSON_DEPTH - 4), 'the schema went upstream whole');
  const over = await post('/v1/chat/completions', chatBody(nestedSchema(MAX_JSON_DEPTH - 2)));
  t.equal(over.status, 400, 'one level more is not');
});

t.test('an upstream answer nested too deep to translate is a 502, not a 500', async (t) => {
  const { mock, post } = await setup(t);
  const message = JSON.stringify(anthropicMessage({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { placeholder: true } }], stop_reason: 'tool_use' }));
  mock.enqueue({ kind: 'raw', status: 200, headers: { 'content-type': 'application/json' }, body: message.replace('{"placeholder":true}', nestedSchema(50_000)) });
  const answer = await post('/v1/chat/completions', chatBody('{"type":"object"}'));
  t.equal(answer.status, 502);
  t.match(await answer.json(), { error: { code: 'upstream_invalid_response', message: /nested more than 1000 levels deep/ } });
});

t.test('an 8 MB text delta streams through the chat route whole', async (t) => {
  const { mock, post } = await setup(t);
  const text = 'word '.repeat(8 * 1024 * 1024 / 5);
  mock.enqueue({ kind: 'sse', events: textStreamEvents([text, '!']) });
  const answer = await post('/v1/chat/completions', JSON.stringify({ model: 'glm-4.5', stream: true, messages: [{ role: 'user', content: 'x' }] }));
  t.equal(answer.status, 200);
  const events = (await answer.text()).trim().split('\n\n');
  t.equal(events.at(-1), 'data: [DONE]', 'the stream completes');
  const content = events.slice(0, -1).map((line) => JSON.parse(line.slice('data: '.length)).choices?.[0]?.delta?.content ?? '').join('');
  t.ok(content === `${text}!`, `the whole text (${content.length} characters)`);
});

t.test('tooDeepPath walks any depth without recursion and names the path', async (t) => {
  t.same(tooDeepPath(JSON.parse(`{"a":[${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}]}`), 3), ['a', 0, 0]);
  t.equal(tooDeepPath({ a: [[1]] }, 3), null);
  t.equal(tooDeepPath('text'), null);
});

/** Objects and arrays, and commas between values, in a parsed value: counted the slow, sure way. */
function shapeOf(value: unknown): { containers: number; commas: number } {
  if (value === null || typeof value !== 'object') return { containers: 0, commas: 0 };
  const children = Array.isArray(value) ? value : Object.values(value);
  const shape = { containers: 1, commas: Math.max(0, children.length - 1) };
  for (const child of children) {
    const inner = shapeOf(child);
    shape.containers += inner.containers;
    shape.commas += inner.commas;
  }
  return shape;
}

t.test('jsonShape counts the objects, arrays and commas of any JSON text, none inside strings (property)', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom('', ' ', '\n  '), (value, space) => {
      const text = JSON.stringify(value, null, space);
      const counted = jsonShape(Buffer.from(text), 1e9, 1e9);
      const expected = shapeOf(value);
      return counted.containers === expected.containers && counted.commas === expected.commas;
    }),
    { numRuns: 500 },
  );
  t.same(jsonShape(Buffer.from(JSON.stringify({ code: 'function f(a, b) { return [1, {a: "}"}]; } \\" { [ ,' }))), { containers: 1, commas: 0 }, 'braces, brackets, commas and escaped quotes in text');
  t.equal(jsonShape(Buffer.from(`[${'{},'.repeat(50)}{}]`), 10, 1e9).containers, 11, 'counting stops past a limit');
  t.equal(jsonShape(Buffer.from(`[${'1,'.repeat(50)}1]`), 1e9, 10).commas, 11);
});

t.test('a body of tiny objects, arrays or values is a 400 before it is parsed (8 MB of `{},` took 600 MB), on every route', async (t) => {
  const { mock, post } = await setup(t);
  const bomb = (route: string) => `{"model":"glm-4.5","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"x":[${'{},[],'.repeat(MAX_JSON_CONTAINERS / 2)}{}]}${route === 'chat' ? '' : ''}}`;
  const numbers = `{"model":"glm-4.5","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"x":[${'1,'.repeat(MAX_JSON_COMMAS)}1]}}`;
  for (const path of ['/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens']) {
    const values = await post(path, numbers);
    t.equal(values.status, 400, `${path}: a million numbers and more`);
    const answer = await post(path, bomb(path));
    t.equal(answer.status, 400, path);
    t.match(await answer.json(), path === '/v1/chat/completions'
      ? { error: { code: 'json_too_complex', message: `Invalid request: the request body holds more than ${MAX_JSON_CONTAINERS} JSON objects and arrays, or more than ${MAX_JSON_COMMAS} values in them` } }
      : { type: 'error', error: { type: 'invalid_request_error', message: /holds more than 200000 JSON objects and arrays/ } });
  }
  // Braces in text do not count: a long code file is not a bomb.
  const code = 'function f() { return [{ a: [1] }]; }\n'.repeat(60_000);
  const codeAnswer = await post('/v1/messages', JSON.stringify({ model: 'glm-4.5', max_tokens: 5, messages: [{ role: 'user', content: code }] }));
  t.equal(codeAnswer.status, 200, `${(code.length / 1e6).toFixed(1)} MB of code with ${code.split('{').length - 1} braces goes through`);
  t.equal(mock.requests.length, 1);
});
