// CPU per request of the service's per-request features, measured one by one on the real modules in a loop
// (no sockets, so a busy machine hardly moves them): the access line, metrics, the request id, header rules,
// body validation and response serialization as fastify compiles them, and the chat JSON translation.
// Reports µs of this thread's CPU per call (process.threadCpuUsage), and for the access line also the
// process's (its asynchronous writes run on libuv's threads). These are lower bounds: in a hot loop the code
// and data stay in the CPU's caches, and 500 access lines share one write; in the service, where a line or
// a few end each event-loop turn, each is a write of its own through libuv's thread pool.
//
// Usage: node scripts/bench/feature-costs.ts [--ms=800] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
// fastify's own validator and serializer libraries (its dependencies), compiled here the way it compiles them.
import { Ajv } from 'ajv';
import fastJsonStringify from 'fast-json-stringify';
import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { environmentTarget } from '../../src/routing.ts';
import { Metrics } from '../../src/http/metrics.ts';
import { requestIdFor } from '../../src/http/request-context.ts';
import { createLogger } from '../../src/logging.ts';
import { chatCompletionRequestSchema, chatCompletionSchema } from '../../src/schemas/chat.ts';
import { anthropicErrorSchema, openAIErrorSchema } from '../../src/schemas/common.ts';
import { messagesBodySchema } from '../../src/schemas/messages.ts';
import { translateChatRequest } from '../../src/translate/openai-chat/request.ts';
import { chatCompletionFrom } from '../../src/translate/openai-chat/response.ts';
import { openAIResponseHeaders } from '../../src/translate/anthropic/response-headers.ts';
import { upstreamHeadersFor } from '../../src/upstream/request-headers.ts';
import { relayedResponseHeaders } from '../../src/upstream/response-headers.ts';
import type { IncomingMessage } from 'node:http';
import { anthropicRequest, chatRequest, messageBody } from './payloads.ts';

const { values: args } = parseArgs({ options: { ms: { type: 'string', default: '800' }, json: { type: 'boolean', default: false } } });
const budgetMs = Number(args.ms);

interface Cost {
  feature: string;
  threadUs: number;
  processUs: number;
}

/**
 * µs of CPU per call of `fn`: a warm-up, then calls in batches (of `batch`, with `settle` awaited between
 * batches) until the time budget is spent.
 */
async function measure(feature: string, fn: () => unknown, settle?: () => Promise<void>, batch = 500): Promise<Cost> {
  for (let i = 0; i < 2000; i++) fn();
  await settle?.();
  const thread = process.threadCpuUsage();
  const proc = process.cpuUsage();
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < budgetMs) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    // Let asynchronous work (log writes) happen inside the measured span, as in a server.
    if (settle) await settle();
  }
  const t = process.threadCpuUsage(thread);
  const p = process.cpuUsage(proc);
  return { feature, threadUs: (t.user + t.system) / calls, processUs: (p.user + p.system) / calls };
}

const config = loadConfig({ env: { HOST: '127.0.0.1', PORT: '0', UPSTREAM_BASE: 'http://127.0.0.1:1', LOG_LEVEL: 'info', LOG_DIR: '' } });
const dir = mkdtempSync(join(tmpdir(), 'anthropic-proxy-feature-costs-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

const chatBody = JSON.parse(chatRequest(false)) as Record<string, unknown>;
const anthropicBody = JSON.parse(anthropicRequest(false)) as Record<string, unknown>;
const answer = messageBody();
const clientHeaders = { 'content-type': 'application/json', authorization: 'Bearer sk-bench', host: '127.0.0.1:8080', 'content-length': '300', 'user-agent': 'OpenAI/JS 5.0.0', 'x-stainless-lang': 'js', 'x-stainless-os': 'Linux' };
const upstreamHeaders = { 'content-type': 'application/json', 'content-length': '520', 'request-id': 'req_bench_mock', date: 'Tue, 01 Dec 2026 21:00:00 GMT', connection: 'keep-alive', 'keep-alive': 'timeout=60' };
const accessLine = { method: 'POST', route: '/v1/chat/completions', url: '/v1/chat/completions', status: 200, duration_ms: 1.23, model: 'glm-4.5', upstream_status: 200 };

const costs: Cost[] = [];
// The access line as the service writes it (pino, multistream, secret masking, ISO time, async destination),
// through a child logger like fastify's per-request one; then cheaper ways to write the same line.
const logTo = (name: string) => pino.destination({ dest: join(dir, name), sync: false });
const target = environmentTarget(config);
const serviceLogger = createLogger(config, ['sk-server-secret'], { stdout: logTo('service.log') });
const child = serviceLogger.child({ reqId: 'b6d1f0e2-6a4b-4c69-9a43-1d2c3e4f5a6b' });
const sync = pino({ base: { service: 'anthropic-proxy' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: join(dir, 'sync.log'), sync: true })).child({ reqId: 'b6d1f0e2-6a4b-4c69-9a43-1d2c3e4f5a6b' });
costs.push(await measure('access line: the service\'s logger (multistream, masking, ISO time)', () => child.info(accessLine, 'request completed'), tick));

const plain = pino({ base: { service: 'anthropic-proxy' }, timestamp: pino.stdTimeFunctions.isoTime }, logTo('plain.log')).child({ reqId: 'b6d1f0e2-6a4b-4c69-9a43-1d2c3e4f5a6b' });
costs.push(await measure('access line: pino, one destination, no masking hook', () => plain.info(accessLine, 'request completed'), tick));
const epoch = pino({ base: { service: 'anthropic-proxy' } }, logTo('epoch.log')).child({ reqId: 'b6d1f0e2-6a4b-4c69-9a43-1d2c3e4f5a6b' });
costs.push(await measure('access line: pino, one destination, epoch time', () => epoch.info(accessLine, 'request completed'), tick));
costs.push(await measure('access line: pino, synchronous writes (one write(2) per line)', () => sync.info(accessLine, 'request completed')));
const batched = pino({ base: { service: 'anthropic-proxy' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: join(dir, 'batched.log'), sync: false, minLength: 4096 })).child({ reqId: 'b6d1f0e2-6a4b-4c69-9a43-1d2c3e4f5a6b' });
costs.push(await measure('access line: pino, async, 4 KB batches (minLength)', () => batched.info(accessLine, 'request completed'), tick));

const metrics = new Metrics(() => 0, () => 0);
costs.push(await measure('metrics: request counter + duration histogram (onResponse)', () => metrics.requestDone('/v1/chat/completions', 'POST', 200, 0.0012)));
costs.push(await measure('metrics: upstream latency histogram (per attempt)', () => metrics.upstreamObserver.attemptDone!({ statusCode: 200, errorType: null, durationMs: 0.8 })));
costs.push(await measure('metrics: token counters (by model, and input by model and upstream)', () => metrics.recordUsage('glm-4.5', 'default', answer.usage as never)));

costs.push(await measure('request id (randomUUID)', () => requestIdFor({ headers: {} } as IncomingMessage)));
costs.push(await measure('header rules: upstream request headers', () => upstreamHeadersFor(clientHeaders, target, { requestId: 'b6d1f0e2' })));
costs.push(await measure('header rules: relayed + OpenAI response headers', () => openAIResponseHeaders(relayedResponseHeaders(upstreamHeaders))));
costs.push(await measure('abort controller + timer + listener (upstream client, upstreamWaitFor)', () => {
  const a = new AbortController();
  const b = new AbortController();
  const onAbort = () => b.abort();
  a.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => undefined, 900_000);
  clearTimeout(timer);
  a.signal.removeEventListener('abort', onAbort);
}));

// Validation and serialization compiled as fastify compiles them (its ajv options, plus the service's).
const ajv = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, allowUnionTypes: true, addUsedSchema: false });
ajv.addSchema(openAIErrorSchema);
ajv.addSchema(anthropicErrorSchema);
const validateChat = ajv.compile(chatCompletionRequestSchema);
const validateMessages = ajv.compile(messagesBodySchema);
costs.push(await measure('validation: chat request body (ajv)', () => validateChat(chatBody)));
costs.push(await measure('validation: messages request body (ajv)', () => validateMessages(anthropicBody)));

const rules = { modelMap: config.modelMap, autoTextModel: config.autoTextModel, autoVisionModel: config.autoVisionModel, defaultMaxTokens: config.defaultMaxTokens, reasoningBudgets: config.reasoningBudgets };
costs.push(await measure('translation: chat request -> Messages request, JSON.stringify', () => JSON.stringify(translateChatRequest(chatBody as never, rules).body)));
const answerText = JSON.stringify(answer);
const completionOptions = { created: 1_800_000_000, fallbackId: 'id', fallbackModel: 'glm-4.5', responseFormatTool: null, legacyFunctions: false };
costs.push(await measure('translation: JSON.parse of the answer + chat completion', () => chatCompletionFrom(JSON.parse(answerText), completionOptions)));
const completion = chatCompletionFrom(answer as never, completionOptions);
const serialize = fastJsonStringify(chatCompletionSchema as never);
costs.push(await measure('serialization: chat completion, fast-json-stringify (the response schema)', () => serialize(completion)));
costs.push(await measure('serialization: chat completion, JSON.stringify', () => JSON.stringify(completion)));
costs.push(await measure('request body parse: JSON.parse of the chat request', () => JSON.parse(chatRequest(false))));

serviceLogger.flush();
if (args.json) process.stdout.write(`${JSON.stringify(costs, null, 2)}\n`);
else {
  process.stdout.write(`µs of CPU per call (node ${process.version}; this thread, and the whole process where writes go to libuv threads)\n`);
  for (const cost of costs) process.stdout.write(`${cost.threadUs.toFixed(2).padStart(7)}  ${cost.processUs.toFixed(2).padStart(7)}  ${cost.feature}\n`);
}
