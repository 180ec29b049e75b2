// Checks every answer an app gives on its OpenAI routes against OpenAI's OpenAPI schemas: JSON bodies,
// chat completion chunks and Responses stream events. buildTestApp installs it on every test app, so each
// test that gets an answer also checks its shape; a test fails at teardown when one did not match. A
// successful answer to a request OpenAI's own schema refuses (the fuzz tests send many) is not checked: it
// echoes what it was given.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { openAISchemaProblems, responseEventProblems } from './openai-schema.ts';

type Json = Record<string, any>;

/** The schema of a route's 2xx JSON body, by method and route pattern. */
const JSON_BODY_SCHEMAS: Record<string, string> = {
  'POST /v1/chat/completions': 'CreateChatCompletionResponse',
  'POST /v1/responses': 'Response',
  'GET /v1/responses/:id': 'Response',
  'GET /v1/responses/:id/input_items': 'ResponseItemList',
  'POST /v1/responses/input_tokens': 'TokenCountsResource',
  'GET /v1/models': 'ListModelsResponse',
  'GET /v1/models/*': 'Model',
};

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The `data:` payloads of the complete events in an SSE body (a cut-off last event is left out). */
function sseData(body: string): string[] {
  const events = body.replace(/\r\n?/g, '\n').split('\n\n');
  events.pop();
  return events.flatMap((event) => {
    const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, ''));
    return data.length > 0 ? [data.join('\n')] : [];
  });
}

/** The request schema of a route: an answer to a request OpenAI itself would refuse has no shape to meet. */
const REQUEST_SCHEMAS: Record<string, string> = {
  'POST /v1/chat/completions': 'CreateChatCompletionRequest',
  'POST /v1/responses': 'CreateResponse',
};

/** Whether OpenAI's schema accepts the request a route answered (routes without a request body: yes). */
export function openAIAcceptsRequest(route: string, body: unknown): boolean {
  const schema = REQUEST_SCHEMAS[route];
  return schema === undefined || openAISchemaProblems(schema, body).length === 0;
}

/**
 * A chat chunk's problems. One known gap of the document: its tool-call chunk lists only `type: "function"`,
 * while OpenAI streams custom tool calls as `type: "custom"` with `custom: {name, input}`, as the
 * non-streamed message's tool calls (ChatCompletionMessageCustomToolCall) are typed; such a call is checked
 * for that shape instead.
 */
function chunkProblems(chunk: Json): string[] {
  const custom: string[] = [];
  const calls = chunk.choices?.[0]?.delta?.tool_calls;
  const functionsOnly = structuredClone(chunk);
  if (Array.isArray(calls)) {
    functionsOnly.choices[0].delta.tool_calls = calls.map((call: Json, i: number) => {
      if (call?.type !== 'custom') return call;
      const { type, custom: body, ...rest } = call;
      if (typeof body?.name !== 'string' && typeof body?.input !== 'string') custom.push(`choices/0/delta/tool_calls/${i}: a custom call without custom.name or custom.input`);
      return rest;
    });
  }
  return [...custom, ...openAISchemaProblems('CreateChatCompletionStreamResponse', functionsOnly)];
}

/** Why an answer on an OpenAI route does not match OpenAI's schema (empty when it does, or when it is not one). */
export function openAIAnswerProblems(route: string, status: number, contentType: string, body: string): string[] {
  const isOpenAIRoute = route in JSON_BODY_SCHEMAS || route === 'DELETE /v1/responses/:id';
  if (!isOpenAIRoute || body === '') return [];
  if (status >= 400) {
    const value = parse(body);
    return value === undefined ? [`${route} ${status}: the error body is not JSON`] : openAISchemaProblems('ErrorResponse', value);
  }
  if (contentType.startsWith('text/event-stream')) {
    const problems: string[] = [];
    for (const data of sseData(body)) {
      if (data === '[DONE]') continue;
      const event = parse(data) as Json | undefined;
      if (event === undefined) problems.push(`${route}: a stream event is not JSON: ${data.slice(0, 200)}`);
      else if (route === 'POST /v1/chat/completions') problems.push(...(event.error ? openAISchemaProblems('ErrorResponse', event) : chunkProblems(event)));
      else problems.push(...responseEventProblems(event));
    }
    return problems;
  }
  const schema = JSON_BODY_SCHEMAS[route];
  if (schema === undefined || !contentType.startsWith('application/json')) return [];
  const value = parse(body);
  return value === undefined ? [`${route}: the body is not JSON`] : openAISchemaProblems(schema, value);
}

/** Records, for every answer `app` gives on an OpenAI route, what does not match OpenAI's schema. */
export function watchOpenAIAnswers(app: FastifyInstance): { problems: string[] } {
  const problems: string[] = [];
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    // The models routes answer in Anthropic's shape to Anthropic clients.
    const anthropicClient = request.headers['anthropic-version'] !== undefined || request.headers['x-api-key'] !== undefined;
    if (anthropicClient && route.startsWith('GET /v1/models')) return;
    const raw = reply.raw;
    const pieces: string[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string') pieces.push(chunk);
      else if (chunk instanceof Uint8Array) pieces.push(Buffer.from(chunk).toString('utf8'));
    };
    let contentType = '';
    let checked = false;
    const check = () => {
      if (checked) return;
      checked = true;
      contentType ||= String(raw.getHeader('content-type') ?? '');
      if (raw.statusCode < 400 && !openAIAcceptsRequest(route, request.body)) return;
      for (const problem of openAIAnswerProblems(route, raw.statusCode, contentType, pieces.join(''))) problems.push(`${route} (${raw.statusCode}): ${problem}`);
    };
    const { write, end, writeHead } = raw;
    raw.writeHead = function (this: typeof raw, status: number, ...rest: unknown[]) {
      const headers = rest.find((arg) => arg !== null && typeof arg === 'object') as Record<string, unknown> | undefined;
      for (const [name, value] of Object.entries(headers ?? {})) if (name.toLowerCase() === 'content-type') contentType = String(value);
      return (writeHead as Function).call(this, status, ...rest);
    } as typeof raw.writeHead;
    raw.write = function (this: typeof raw, chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (write as Function).call(this, chunk, ...rest);
    } as typeof raw.write;
    raw.end = function (this: typeof raw, chunk?: unknown, ...rest: unknown[]) {
      if (typeof chunk !== 'function') keep(chunk);
      check();
      return (end as Function).call(this, chunk, ...rest);
    } as typeof raw.end;
    raw.once('close', check);
  });
  return { problems };
}
