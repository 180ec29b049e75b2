// The OpenAI request types are derived from the JSON schemas fastify validates with (src/wire/openai-*.ts):
// the type-level checks below fail `tsc --noEmit` when a type stops following its schema, and the route
// checks show the validator and the type agreeing on the same bodies.
import type { FromSchema } from 'json-schema-to-ts';
import t from 'tap';
import { chatCompletionRequestSchema, chatContentPartSchema, chatMessageSchema, chatToolCallSchema } from '../../src/schemas/chat.ts';
import { responsesInputItemSchema, responsesRequestSchema, responsesToolSchema } from '../../src/schemas/responses.ts';
import type { ChatCompletionRequest, ChatContentPart, ChatMessage, ChatToolCall } from '../../src/wire/openai-chat.ts';
import type { InputItem, ResponsesRequest, Tool } from '../../src/wire/openai-responses.ts';
import { buildTestApp } from '../helpers/app.ts';
import { chatSetup } from '../helpers/chat.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
/** Compiles only when its type argument is `true`. */
const assertType = <T extends true>(): T | undefined => undefined;
/** The declared fields of an object type, without the `[field: string]: unknown` of an open schema. */
type DeclaredKeys<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };
type SchemaKeys<S extends { properties: object }> = keyof S['properties'];

// Every field of each schema is a field of its type, and nothing else is.
assertType<Equal<DeclaredKeys<ChatCompletionRequest>, SchemaKeys<typeof chatCompletionRequestSchema>>>();
assertType<Equal<DeclaredKeys<ChatMessage>, SchemaKeys<typeof chatMessageSchema>>>();
assertType<Equal<DeclaredKeys<ChatContentPart>, SchemaKeys<typeof chatContentPartSchema>>>();
assertType<Equal<DeclaredKeys<ChatToolCall>, SchemaKeys<typeof chatToolCallSchema>>>();
assertType<Equal<DeclaredKeys<ResponsesRequest>, SchemaKeys<typeof responsesRequestSchema>>>();
assertType<Equal<DeclaredKeys<InputItem>, SchemaKeys<typeof responsesInputItemSchema>>>();
assertType<Equal<DeclaredKeys<Tool>, SchemaKeys<typeof responsesToolSchema>>>();

// Field types follow the keywords: nullable, required, enum, several types, open objects.
assertType<Equal<ChatCompletionRequest['max_tokens'], number | null | undefined>>();
assertType<Equal<ChatCompletionRequest['messages'], ChatMessage[]>>();
assertType<Equal<ChatMessage['role'], 'system' | 'developer' | 'user' | 'assistant' | 'tool' | 'function'>>();
assertType<Equal<ChatCompletionRequest['reasoning_effort'], 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max' | null | undefined>>();
assertType<Equal<ChatCompletionRequest['top_k'], number | null | undefined>>();
assertType<Equal<ChatContentPart['refusal'], unknown>>();
assertType<Equal<ResponsesRequest['input'], string | InputItem[] | undefined>>();
assertType<Equal<ResponsesRequest['stop'], string | unknown[] | null | undefined>>();
assertType<Equal<ResponsesRequest['top_k'], number | null | undefined>>();
assertType<Equal<NonNullable<ResponsesRequest['reasoning']>['effort'], string | null | undefined>>();
assertType<Equal<InputItem['call_id'], unknown>>();

// A change to a schema is a change to the type: the same derivation over an edited copy sees the edit.
const widenedMessage = {
  ...chatMessageSchema,
  properties: { ...chatMessageSchema.properties, role: { type: 'string' }, audio: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
} as const;
type WidenedMessage = FromSchema<typeof widenedMessage>;
assertType<Equal<WidenedMessage['role'], string>>();
assertType<Equal<WidenedMessage['audio'], { [field: string]: unknown; id: string } | undefined>>();

// Bodies the type refuses, each one the schema refuses too (checked against the routes below).
// @ts-expect-error messages is required
const noMessages: ChatCompletionRequest = { model: 'm' };
// @ts-expect-error max_tokens is a number
const textMaxTokens: ChatCompletionRequest = { messages: [{ role: 'user', content: 'x' }], max_tokens: '5' };
// @ts-expect-error role is one of the enum
const robotRole: ChatCompletionRequest = { messages: [{ role: 'robot', content: 'x' }] };
// @ts-expect-error a content part needs its type
const untypedPart: ChatCompletionRequest = { messages: [{ role: 'user', content: [{ text: 'x' }] }] };
// @ts-expect-error input is a string or an array
const numberInput: ResponsesRequest = { model: 'm', input: 5 };
// @ts-expect-error stop is a string, an array or null
const numberStop: ResponsesRequest = { model: 'm', input: 'x', stop: 5 };

// Bodies the type takes, lenient where the schema is: unknown fields, null for absent, open items.
const chatBodies: ChatCompletionRequest[] = [
  { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'x', refusal: null }] }], max_tokens: null, seed: 7 },
  { model: null, messages: [{ role: 'user', content: 'x', cache_control: { type: 'ephemeral', ttl: null } }], stop: ['END'] },
];
const responsesBodies: ResponsesRequest[] = [
  { model: 'm', input: [{ type: 'message', role: 'user', content: 'x', status: 'completed' }], stop: ['END', 5] },
  { model: 'm', input: 'x', tools: [{ type: 'web_search', search_context_size: 'low' }], prompt_cache_key: 'k' },
  // text.format.description is not checked by the schema (its type is `unknown`): only a string is used.
  { model: 'm', input: 'x', top_k: 3, text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, description: 5 } } },
];

t.test('the chat route refuses what the type refuses and takes what it takes', async (t) => {
  const { app, mock } = await chatSetup(t);
  for (const [name, body] of Object.entries({ noMessages, textMaxTokens, robotRole, untypedPart })) {
    const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body });
    t.equal(res.statusCode, 400, name);
  }
  t.equal(mock.requests.length, 0, 'nothing refused went upstream');
  for (const body of chatBodies) {
    const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body });
    t.equal(res.statusCode, 200, res.body);
  }
  t.equal(mock.requests.length, chatBodies.length);
  t.strictSame(mock.lastRequest.body.messages[0].content[0].cache_control, { type: 'ephemeral' }, 'a null ttl is not sent upstream');
});

t.test('the Responses route refuses what the type refuses and takes what it takes', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0' });
  const post = (payload: object) => app.inject({ method: 'POST', url: '/v1/responses', headers: { authorization: 'Bearer sk-a' }, payload });
  for (const [name, body] of Object.entries({ numberInput, numberStop })) {
    const res = await post(body);
    t.equal(res.statusCode, 400, name);
    t.match(res.json(), { error: { type: 'invalid_request_error', param: name === 'numberStop' ? 'stop' : 'input' } }, name);
  }
  t.equal(mock.requests.length, 0, 'nothing refused went upstream');
  const [first, second, third] = responsesBodies;
  const res = await post(first);
  t.equal(res.statusCode, 200, res.body);
  t.strictSame(mock.lastRequest.body.stop_sequences, ['END'], 'non-string stop entries are dropped, as before');
  t.equal((await post(second)).statusCode, 200);
  t.equal((await post(third)).statusCode, 200);
  t.equal(mock.lastRequest.body.top_k, 3);
  t.equal(mock.lastRequest.body.tools[0].description, 'Give the answer as JSON matching the schema named "answer".', 'a description that is not a string is left out');
});
