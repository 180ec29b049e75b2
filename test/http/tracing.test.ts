// Spans checked with the SDK's in-memory exporter: a streamed request that falls back once between two mock
// upstreams gives one server span and two GenAI attempt spans (model, usage, fallback reason); an incoming
// traceparent is continued and each attempt's context is sent upstream; keys and content stay out.
import t from 'tap';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { tracingFrom } from '../../src/http/tracing.ts';
import { anthropicErrorBody, anthropicMessage, textStreamEvents } from '../helpers/mock-upstream.ts';
import { routedSetup } from '../helpers/routing.ts';
import { testConfig } from '../helpers/app.ts';

const TWO = { zai: { profile: 'zai' as const }, anthropic: { profile: 'anthropic' as const } };
const GLM = { 'glm-4.6': [['zai', 'glm-4.6'], ['anthropic', 'claude-sonnet-4-5']] as Array<[string, string]> };
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const CLIENT_KEY = 'sk-client-secret-0123456789';

function inMemory(captureMessageContent = false) {
  const exporter = new InMemorySpanExporter();
  const tracing = tracingFrom(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }), { captureMessageContent });
  return { exporter, tracing };
}

/** The spans once `count` have ended (the server span ends when the response closes, a stream's attempt when it is read out). */
async function spansOf(exporter: InMemorySpanExporter, count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 200 && exporter.getFinishedSpans().length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return exporter.getFinishedSpans();
}

function chat(base: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${CLIENT_KEY}`, ...headers },
    body: JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'a secret prompt' }], ...body }),
  });
}

const allAttributes = (spans: ReadableSpan[]): string => JSON.stringify(spans.map((span) => [span.attributes, span.events]));

t.test('a streamed request that falls back once: one server span, two attempt spans, traceparent continued and sent upstream', async (t) => {
  const { exporter, tracing } = inMemory();
  const { base, mocks } = await routedSetup(t, TWO, GLM, {}, { tracing });
  mocks.zai!.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'busy') });
  mocks.anthropic!.enqueue({ kind: 'sse', events: textStreamEvents(['Hello', ' world'], { model: 'claude-sonnet-4-5', usage: { input_tokens: 12, output_tokens: 1, cache_read_input_tokens: 5 } }) });
  const response = await chat(base, { stream: true, max_tokens: 300, temperature: 0.2 }, { traceparent: PARENT });
  t.equal(response.status, 200);
  t.match(await response.text(), /Hello/);
  const spans = await spansOf(exporter, 3);

  const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
  t.equal(servers.length, 1, 'one server span');
  const server = servers[0]!;
  t.equal(server.spanContext().traceId, TRACE_ID, 'the incoming trace is continued');
  t.equal(server.parentSpanContext?.spanId, '00f067aa0ba902b7', 'under the caller\'s span');
  t.match(server.attributes, { 'http.request.method': 'POST', 'http.route': '/v1/chat/completions', 'url.path': '/v1/chat/completions', 'http.response.status_code': 200, 'server.address': '127.0.0.1' });
  t.equal(server.name, 'POST /v1/chat/completions');

  const attempts = spans.filter((span) => span.kind === SpanKind.CLIENT).sort((a, b) => (a.attributes['proxy.attempt'] as number) - (b.attributes['proxy.attempt'] as number));
  t.equal(attempts.length, 2, 'two attempt spans');
  for (const attempt of attempts) t.equal(attempt.parentSpanContext?.spanId, server.spanContext().spanId, 'each attempt under the server span');
  t.match(attempts[0]!.attributes, {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'zai', 'gen_ai.request.model': 'glm-4.6', 'proxy.upstream': 'zai',
    'proxy.key_name': 'zai-key', 'proxy.attempt': 1, 'proxy.fallback_reason': 'status_529', 'error.type': '529',
  });
  t.match(attempts[1]!.attributes, {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4-5',
    'gen_ai.request.max_tokens': 300, 'gen_ai.request.temperature': 0.2, 'proxy.upstream': 'anthropic', 'proxy.key_name': 'anthropic-key',
    'proxy.attempt': 2, 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 2, 'gen_ai.usage.cache_read.input_tokens': 5,
    'gen_ai.response.finish_reasons': ['end_turn'],
  });
  t.notOk('proxy.fallback_reason' in attempts[1]!.attributes, 'the attempt that answered did not move on');
  t.notOk('error.type' in attempts[1]!.attributes);
  t.same(attempts[1]!.events.map((event) => event.name), ['first_token'], 'the first content of the stream is marked');

  // Each upstream got its own attempt's context, in the caller's trace.
  t.equal(mocks.zai!.lastRequest.headers.traceparent, `00-${TRACE_ID}-${attempts[0]!.spanContext().spanId}-01`);
  t.equal(mocks.anthropic!.lastRequest.headers.traceparent, `00-${TRACE_ID}-${attempts[1]!.spanContext().spanId}-01`);

  const everything = allAttributes(spans);
  for (const secret of [CLIENT_KEY, 'sk-zai-0123456789', 'sk-anthropic-0123456789', 'a secret prompt']) t.notOk(everything.includes(secret), `no ${secret} in any attribute`);
});

t.test('a whole answer: response id and model; content only when the capture setting asks', async (t) => {
  for (const capture of [false, true]) {
    const { exporter, tracing } = inMemory(capture);
    const { base, mocks } = await routedSetup(t, TWO, GLM, {}, { tracing });
    mocks.zai!.enqueue({ kind: 'json', body: anthropicMessage({ id: 'msg_whole_1', model: 'glm-4.6-0925', text: 'the completion' }) });
    const response = await chat(base, { max_completion_tokens: 50 });
    t.equal(response.status, 200);
    await response.text();
    const spans = await spansOf(exporter, 2);
    const [attempt, ...others] = spans.filter((span) => span.kind === SpanKind.CLIENT);
    t.equal(others.length, 0, 'one attempt');
    t.match(attempt!.attributes, { 'gen_ai.response.id': 'msg_whole_1', 'gen_ai.response.model': 'glm-4.6-0925', 'gen_ai.request.max_tokens': 50, 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 7 } satisfies Attributes);
    t.equal(attempt!.events.length, 0, 'no first_token event on a whole answer');
    const everything = allAttributes(spans);
    t.equal(everything.includes('a secret prompt'), capture, `the prompt ${capture ? 'is' : 'is not'} recorded`);
    t.equal(everything.includes('the completion'), capture, `the completion ${capture ? 'is' : 'is not'} recorded`);
  }
});

t.test('a failed request: the server span says the status and the error type', async (t) => {
  const { exporter, tracing } = inMemory();
  const { base, mocks } = await routedSetup(t, { zai: { profile: 'zai' } }, { 'glm-4.6': [['zai', 'glm-4.6']] }, {}, { tracing });
  mocks.zai!.enqueue({ kind: 'json', status: 500, body: anthropicErrorBody('api_error', 'broken') });
  const response = await chat(base, {});
  t.equal(response.status, 500);
  await response.text();
  const spans = await spansOf(exporter, 2);
  t.match(spans.find((span) => span.kind === SpanKind.SERVER)!.attributes, { 'http.response.status_code': 500, 'error.type': '500' });
  t.match(spans.find((span) => span.kind === SpanKind.CLIENT)!.attributes, { 'error.type': '500', 'http.response.status_code': 500 });
});

t.test('tracing off (no OTLP endpoint): no hook, no traceparent made up', async (t) => {
  const { base, mocks, app } = await routedSetup(t, TWO, GLM);
  t.equal(app.config.tracing, null);
  t.notOk(app.hasPlugin('tracing'), 'the tracing plugin is not registered');
  const response = await chat(base, {});
  t.equal(response.status, 200);
  await response.text();
  t.equal(mocks.zai!.lastRequest.headers.traceparent, undefined);
});

t.test('a request that waited for a free key has its queue wait as a span; one that did not has none', async (t) => {
  const { exporter, tracing } = inMemory();
  const { base, mocks } = await routedSetup(t, {
    zai: { profile: 'zai', keys: [{ name: 'only', value: 'sk-only-0123456789', maxInFlight: 1 }], queue: { maxWaitMs: 5000, maxLength: 10 } },
  }, { 'glm-4.6': [['zai', 'glm-4.6']] }, {}, { tracing });
  mocks.zai!.enqueue({ kind: 'json', body: anthropicMessage(), delayMs: 200 }, { kind: 'json', body: anthropicMessage() });
  const [first, second] = await Promise.all([chat(base, {}), new Promise((resolve) => setTimeout(resolve, 50)).then(() => chat(base, {}))]);
  await Promise.all([first.text(), second.text()]);
  const spans = await spansOf(exporter, 5);
  const waits = spans.filter((span) => span.name === 'proxy.queue_wait');
  t.equal(waits.length, 1, 'one wait, for the second request');
  const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
  t.ok(servers.some((server) => server.spanContext().spanId === waits[0]!.parentSpanContext?.spanId), 'under its request');
  const waitedMs = (waits[0]!.endTime[0] - waits[0]!.startTime[0]) * 1000 + (waits[0]!.endTime[1] - waits[0]!.startTime[1]) / 1e6;
  t.ok(waitedMs >= 50, `it lasted the wait (${waitedMs} ms)`);
});

t.test('the OTEL_* settings: off without an endpoint or when disabled, the traces URL, the sampler', async (t) => {
  t.equal(testConfig({}).tracing, null, 'off by default');
  t.equal(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing, null, 'OTEL_SDK_DISABLED wins');
  t.match(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing, { tracesUrl: 'http://collector:4318/v1/traces', serviceName: 'anthropic-proxy', sampler: 'parentbased_always_on', captureMessageContent: false });
  t.match(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp/spans' }).tracing, { tracesUrl: 'https://traces.example/otlp/spans' });
  t.match(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }).tracing, { sampler: 'parentbased_traceidratio', samplerRatio: 0.25, captureMessageContent: true });
  t.throws(() => testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /OTEL_EXPORTER_OTLP_ENDPOINT=.*http\(s\) URL/);
  t.throws(() => testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER_ARG: '2' }), /OTEL_TRACES_SAMPLER_ARG/);
  t.throws(() => testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_SAMPLER: 'sometimes' }), /OTEL_TRACES_SAMPLER/);
});

t.test('first_token marks the first content event, not the stream\'s opening events', async (t) => {
  const { exporter, tracing } = inMemory();
  const { base, mocks } = await routedSetup(t, { zai: { profile: 'zai' } }, { 'glm-4.6': [['zai', 'glm-4.6']] }, {}, { tracing });
  // message_start, content_block_start and a ping come first, 100 ms apart: the first text delta 300 ms in.
  mocks.zai!.enqueue({ kind: 'sse', events: textStreamEvents(['Hello']), delayMs: 100 });
  const response = await chat(base, { stream: true });
  await response.text();
  const spans = await spansOf(exporter, 2);
  const attempt = spans.find((span) => span.kind === SpanKind.CLIENT)!;
  const event = attempt.events.find((each) => each.name === 'first_token')!;
  const afterStartMs = (event.time[0] - attempt.startTime[0]) * 1000 + (event.time[1] - attempt.startTime[1]) / 1e6;
  t.ok(afterStartMs >= 250, `at the first text delta (${Math.round(afterStartMs)} ms after the attempt began)`);
});
