// End to end: tracing configured only by the OTEL_* variables, the real OTLP/HTTP exporter, and a receiver on
// 127.0.0.1 that decodes what it is sent (OTLP/JSON). A streamed chat request that falls back once arrives as
// one server span with two GenAI attempt spans carrying the model, the usage and the fallback reason.
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { anthropicErrorBody, textStreamEvents } from '../helpers/mock-upstream.ts';
import { routedSetup } from '../helpers/routing.ts';

interface OtlpValue { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: OtlpValue[] } }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: Array<{ key: string; value: OtlpValue }>; events?: Array<{ name: string }> }
interface OtlpExport { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: OtlpValue }> }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }

const SERVER = 2;
const CLIENT = 3;

function plain(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  return (value.arrayValue?.values ?? []).map(plain);
}

const attributesOf = (list: Array<{ key: string; value: OtlpValue }> = []): Record<string, unknown> => Object.fromEntries(list.map(({ key, value }) => [key, plain(value)]));

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(bytes) : bytes;
}

/** An OTLP/HTTP traces receiver on 127.0.0.1: every export it got, decoded. */
async function otlpReceiver(t: { teardown(fn: () => unknown): void }) {
  const exports: Array<{ path: string; contentType: string | undefined; body: OtlpExport }> = [];
  const server = createServer((request, response) => {
    void bodyOf(request).then((bytes) => {
      exports.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(bytes.toString('utf8')) as OtlpExport });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, exports };
}

t.test('the exporter sends one server span and two attempt spans for a streamed request that fell back once', async (t) => {
  const receiver = await otlpReceiver(t);
  const { app, base, mocks } = await routedSetup(t, { zai: { profile: 'zai' }, anthropic: { profile: 'anthropic' } }, {
    'glm-4.6': [['zai', 'glm-4.6'], ['anthropic', 'claude-sonnet-4-5']],
  }, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'proxy-under-test' });
  mocks.zai!.enqueue({ kind: 'json', status: 503, body: anthropicErrorBody('api_error', 'unavailable') });
  mocks.anthropic!.enqueue({ kind: 'sse', events: textStreamEvents(['Hi', ' there', '!'], { model: 'claude-sonnet-4-5', usage: { input_tokens: 20, output_tokens: 1 } }) });

  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer client-key' },
    body: JSON.stringify({ model: 'glm-4.6', stream: true, messages: [{ role: 'user', content: 'hello' }] }),
  });
  t.equal(response.status, 200);
  t.match(await response.text(), /there/);
  // Closing the app shuts the provider down, which flushes the batch.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await app.close();

  t.ok(receiver.exports.length >= 1, 'the exporter sent its batch');
  t.ok(receiver.exports.every((sent) => sent.path === '/v1/traces' && sent.contentType?.includes('application/json')), 'OTLP/HTTP JSON to /v1/traces');
  const resources = receiver.exports.flatMap((sent) => sent.body.resourceSpans ?? []);
  t.equal(attributesOf(resources[0]?.resource?.attributes)['service.name'], 'proxy-under-test');
  const spans = resources.flatMap((resource) => resource.scopeSpans ?? []).flatMap((scope) => scope.spans ?? []);
  const servers = spans.filter((span) => span.kind === SERVER);
  t.equal(servers.length, 1, 'one server span');
  t.match(attributesOf(servers[0]!.attributes), { 'http.request.method': 'POST', 'http.route': '/v1/chat/completions', 'http.response.status_code': 200 });
  const attempts = spans.filter((span) => span.kind === CLIENT).map((span) => ({ span, attributes: attributesOf(span.attributes) }));
  attempts.sort((a, b) => (a.attributes['proxy.attempt'] as number) - (b.attributes['proxy.attempt'] as number));
  t.equal(attempts.length, 2, 'two attempt spans');
  for (const { span } of attempts) {
    t.equal(span.traceId, servers[0]!.traceId, 'in the request\'s trace');
    t.equal(span.parentSpanId, servers[0]!.spanId, 'under the server span');
  }
  t.match(attempts[0]!.attributes, { 'gen_ai.request.model': 'glm-4.6', 'gen_ai.provider.name': 'zai', 'proxy.upstream': 'zai', 'proxy.fallback_reason': 'status_503', 'error.type': '503' });
  t.match(attempts[1]!.attributes, {
    'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'claude-sonnet-4-5', 'gen_ai.provider.name': 'anthropic', 'proxy.upstream': 'anthropic',
    'gen_ai.usage.input_tokens': 20, 'gen_ai.usage.output_tokens': 3, 'gen_ai.response.finish_reasons': ['end_turn'],
  });
  t.same(attempts[1]!.span.events?.map((event) => event.name), ['first_token']);
  t.equal(mocks.anthropic!.lastRequest.headers.traceparent, `00-${servers[0]!.traceId}-${attempts[1]!.span.spanId}-01`, 'the attempt\'s context went upstream');
});
