// Where the service's idle RSS comes from: each step runs in a fresh node process (the service's flags,
// plus --expose-gc) that loads everything the steps before it loaded and one thing more, the service's
// dependencies in the order it loads them, then builds, starts and exercises the app from dist/; after a GC
// it reports RSS (anonymous: heaps and malloc; file-backed: the node binary's and libraries' pages), and V8's
// heap. The difference between two steps is what the later one adds.
//
// Usage: node scripts/bench/idle-memory.ts [--app=service|bare] [--node-flags="..." (default: the service's)] [--repeat=3] [--json]
//   --app=bare: the same for the bare relay (bare-relay.ts), the floor of the stack.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, javascriptOf } from './processes.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../node-flags.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({ options: { 'node-flags': { type: 'string', default: SERVICE_NODE_FLAGS.join(' ') }, app: { type: 'string', default: 'service' }, repeat: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } } });

const dist = (file: string) => pathToFileURL(join(ROOT, 'dist', file)).href;
const mock = pathToFileURL(join(ROOT, 'scripts/bench/payloads.ts')).href;

// send([[path, body?], ...]): the requests, one after the other, from a child process (GET without a body).
const CLIENT = `const http = require('node:http'); const [base, list] = [process.argv[1], JSON.parse(process.argv[2])]; (async () => { for (const [path, body] of list) await new Promise((done, fail) => { const req = http.request(base + path, { method: body ? 'POST' : 'GET', headers: { 'content-type': 'application/json', 'x-api-key': 'k', authorization: 'Bearer k' } }, (res) => { res.resume(); res.on('end', done); }); req.on('error', fail); req.end(body); }); })();`;
const SEND = `const { spawn } = await import('node:child_process'); const send = (list) => new Promise((done) => spawn(process.execPath, ['-e', ${JSON.stringify(CLIENT)}, base, JSON.stringify(list)], { stdio: 'inherit' }).once('exit', done));`;

const barePort = await freePort();
const BARE_STEPS: Array<[string, string]> = [
  ['node, empty', ''],
  ['+ fastify', `await import('fastify');`],
  ['+ undici', `await import('undici');`],
  ['+ the bare relay, listening', `process.argv = [process.execPath, 'bare-relay', 'http://127.0.0.1:' + process.env.MOCK_PORT, '${barePort}']; await import('${pathToFileURL(javascriptOf(join(ROOT, 'scripts/bench/bare-relay.ts'), join(ROOT, 'bench-results/js'))).href}'); const base = 'http://127.0.0.1:${barePort}'; ${SEND}`],
  ['+ one request per route (JSON, stream)', `const { anthropicRequest } = await import('${mock}'); await send([['/v1/messages', anthropicRequest(false)], ['/v1/messages', anthropicRequest(true)]]);`],
];

// Each step is code run after the steps before it, in one ES module (top-level await allowed).
const SERVICE_STEPS: Array<[string, string]> = [
  ['node, empty', ''],
  ['+ fastify', `await import('fastify');`],
  ['+ pino', `await import('pino');`],
  ['+ undici', `await import('undici');`],
  ['+ prom-client', `await import('prom-client');`],
  ['+ env-schema', `await import('env-schema');`],
  ['+ @fastify/cors, @fastify/under-pressure', `await import('@fastify/cors'); await import('@fastify/under-pressure');`],
  ['+ @fastify/swagger', `await import('@fastify/swagger');`],
  ['+ @fastify/swagger-ui', `await import('@fastify/swagger-ui');`],
  ['+ the service\'s modules (dist/app.js)', `const { buildApp } = await import('${dist('app.js')}'); const { loadConfig } = await import('${dist('config.js')}');`],
  ['+ buildApp (plugins, routes, schemas compiled)', `const config = loadConfig({ env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', LOG_DIR: '', MAX_EVENT_LOOP_DELAY_MS: '0', UPSTREAM_BASE: 'http://127.0.0.1:' + process.env.MOCK_PORT } }); const app = await buildApp(config);`],
  ['+ ready, listening', `await app.listen({ host: '127.0.0.1', port: 0 }); const base = 'http://127.0.0.1:' + app.server.address().port; ${SEND}`],
  // Requests come from a child process: a client in this process would count its own modules and buffers.
  ['+ one request per API route', `const { anthropicRequest, chatRequest } = await import('${mock}'); await send([['/v1/chat/completions', chatRequest(false)], ['/v1/chat/completions', chatRequest(true)], ['/v1/messages', anthropicRequest(false)], ['/v1/messages', anthropicRequest(true)]]);`],
  ['+ GET /openapi.json (the OpenAPI document built)', `await send([['/openapi.json']]);`],
  ['+ GET /docs/ (Swagger UI page and its assets)', `await send([['/docs/'], ['/docs/static/swagger-ui.css'], ['/docs/static/swagger-ui-bundle.js'], ['/docs/static/swagger-ui-standalone-preset.js']]);`],
  // A second app whose count_tokens answers with the local estimate (FORWARD_COUNT_TO_UPSTREAM off).
  ['+ a token estimate (the tokenizer loaded on first use)', `const tokenApp = await buildApp(loadConfig({ env: { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', LOG_DIR: '', MAX_EVENT_LOOP_DELAY_MS: '0', UPSTREAM_BASE: 'http://127.0.0.1:1', FORWARD_COUNT_TO_UPSTREAM: 'false' } })); await tokenApp.inject({ method: 'POST', url: '/v1/messages/count_tokens', headers: { 'content-type': 'application/json' }, payload: anthropicRequest(false) });`],
];

const MEASURE = `
await new Promise((r) => setTimeout(r, 300));
globalThis.gc(); globalThis.gc();
await new Promise((r) => setTimeout(r, 100));
const status = (await import('node:fs')).readFileSync('/proc/self/status', 'utf8');
const kb = (name) => Number(status.match(new RegExp('^' + name + ':\\\\s+(\\\\d+) kB', 'm'))?.[1] ?? NaN) / 1024;
const m = process.memoryUsage();
process.stdout.write('IDLE_MEMORY ' + JSON.stringify({ rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), heapUsed: m.heapUsed / 2 ** 20, heapTotal: m.heapTotal / 2 ** 20, external: m.external / 2 ** 20 }) + '\\n');
process.exit(0);
`;

interface Row {
  step: string;
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const STEPS = args.app === 'bare' ? BARE_STEPS : SERVICE_STEPS;
if (!existsSync(join(ROOT, 'dist/app.js'))) throw new Error('dist/ is missing: npm run build first');
// The mock upstream the requests go to, its own process.
const { spawn } = await import('node:child_process');
const mockChild = spawn(process.execPath, [join(ROOT, 'scripts/bench/mock-upstream.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
process.once('exit', () => mockChild.kill('SIGKILL'));
const mockPort = await new Promise<number>((done) => mockChild.stdout!.once('data', (chunk: Buffer) => done((JSON.parse(chunk.toString().split('\n')[0]) as { port: number }).port)));

/** One measurement of the steps up to `last`, in a fresh process. */
function measure(last: number): Omit<Row, 'step'> {
  const code = `${STEPS.slice(0, last + 1).map(([, step]) => step).join('\n')}\n${MEASURE}`;
  const flags = args['node-flags']!.split(' ').filter((flag) => flag !== '');
  const result = spawnSync(process.execPath, [...flags, '--expose-gc', '--no-warnings', '--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8', env: { ...SERVICE_ENV, PATH: process.env.PATH ?? '', MOCK_PORT: String(mockPort) }, timeout: 60_000 });
  const line = result.stdout.split('\n').find((text) => text.startsWith('IDLE_MEMORY '));
  if (!line) throw new Error(`step "${STEPS[last][0]}" failed: ${result.stderr || result.stdout}`);
  return JSON.parse(line.slice('IDLE_MEMORY '.length)) as Omit<Row, 'step'>;
}

// RSS after a GC still varies by a few MB between runs (when V8 gives pages back): the median of --repeat.
const rows: Row[] = [];
for (let i = 0; i < STEPS.length; i++) {
  const runs = Array.from({ length: Number(args.repeat) }, () => measure(i));
  const mid = (pick: (run: Omit<Row, 'step'>) => number) => runs.map(pick).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  rows.push({ step: STEPS[i][0], rss: mid((r) => r.rss), anon: mid((r) => r.anon), file: mid((r) => r.file), heapUsed: mid((r) => r.heapUsed), heapTotal: mid((r) => r.heapTotal), external: mid((r) => r.external) });
}
mockChild.kill('SIGTERM');

if (args.json) {
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else {
  const f = (value: number) => value.toFixed(1).padStart(6);
  const d = (value: number) => `${value >= 0 ? '+' : '-'}${Math.abs(value).toFixed(1)}`.padStart(6);
  process.stdout.write(`${args.app === 'bare' ? 'the bare relay' : 'this service'}, node ${process.version} ${args['node-flags']}: MB after a full GC (each step a fresh process, median of ${args.repeat})\n`);
  process.stdout.write(`${'step'.padEnd(68)}   RSS  added   anon  added   file  added  heap used  added\n`);
  rows.forEach((row, i) => {
    const before = rows[i - 1] ?? row;
    process.stdout.write(`${row.step.padEnd(68)} ${f(row.rss)} ${i ? d(row.rss - before.rss) : '      '} ${f(row.anon)} ${i ? d(row.anon - before.anon) : '      '} ${f(row.file)} ${i ? d(row.file - before.file) : '      '} ${f(row.heapUsed).padStart(10)} ${i ? d(row.heapUsed - before.heapUsed) : ''}\n`);
  });
}
