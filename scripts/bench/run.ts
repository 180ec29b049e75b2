// `npm run bench`: what the proxy costs, measured side by side in one run on this machine. Starts the mock
// upstream, this service, and the reference servers (nginx as a byte relay, the bare fastify + undici relay,
// the Portkey gateway) as separate processes; measures each column's unloaded latency, requests/s and CPU per
// request under load (JSON and 50-event streams, 10 and 100 connections), memory, and the cost growth with
// answer size and stream length; checks issue 17's targets; prints the tables and writes JSON (+ Markdown)
// under bench-results/. Everything it starts is stopped at the end, also on failure or Ctrl-C.
//
// Options: --duration=S (5) --warmup=S (1) --connections=10,100 --rounds=N (1: each load cell N times,
//          interleaved; the tables show medians) --growth-duration=S (3) --no-growth --loader=wrk|autocannon
//          (wrk when on PATH) --latency-requests=N (200) --latency-warmup=N (2000: unmeasured requests first, so
//          that client and server run optimised code, as a server that has been up for a while does)
//          --log-cost (also measure the info access line against a second service at warn) --no-translator
//          --no-nginx --no-portkey --no-install (do not apt-get/npm install what is missing)
//          --cpu-prof (profile this service and the bare relay into bench-results/profiles/) --keep-logs
//          --only=chat-json,messages-sse (a subset; the direct and bare columns always run) --src (run
//          src/main.ts through type stripping instead of the build in dist/) --node-flags="..." (the node flags
//          of this service and the bare relay; default the one `npm start` and the image use)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureLatency, probe } from './latency.ts';
import { runLoad, wrkAvailable, type LoaderName } from './load.ts';
import { cpuMsOf, firstJsonLine, freePort, installCleanup, memoryOf, startChild, stopChild, threadCpuOf, threadCpuPerRequest, waitUntilUp } from './processes.ts';
import { ensureDebianTools, startBareRelay, startNginx, startPortkey, type Server, type Skipped } from './references.ts';
import { evaluateTargets, fitGrowth, formatMarkdown, formatText, summarize, type GrowthRow, type LatencyRow, type LoadRow, type LoadRun, type LogCostRow, type MemoryRow, type Report } from './report.ts';
import { COLUMN_LABELS, COLUMNS, GROWTH_COLUMNS, GROWTH_SHAPES, scenarioFor, sizeOf, type Column, type Kind, type Scenario } from './scenarios.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../node-flags.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = join(ROOT, 'bench-results');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '10,100' },
    rounds: { type: 'string', default: '1' },
    'growth-duration': { type: 'string', default: '3' },
    'no-growth': { type: 'boolean', default: false },
    loader: { type: 'string' },
    'latency-requests': { type: 'string', default: '200' },
    'latency-warmup': { type: 'string', default: '2000' },
    'log-cost': { type: 'boolean', default: false },
    'no-translator': { type: 'boolean', default: false },
    'no-nginx': { type: 'boolean', default: false },
    'no-portkey': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'keep-logs': { type: 'boolean', default: false },
    only: { type: 'string' },
    src: { type: 'boolean', default: false },
    // The flags `npm start`, the image and the host scripts run the service with (package.json config).
    'node-flags': { type: 'string', default: SERVICE_NODE_FLAGS.join(' ') },
  },
});

const durationS = Number(args.duration);
const warmupS = Number(args.warmup);
const growthDurationS = Number(args['growth-duration']);
const rounds = Math.max(1, Number(args.rounds));
const connectionCounts = args.connections!.split(',').map(Number);
const latencyRequests = Number(args['latency-requests']);
const latencyWarmup = Number(args['latency-warmup']);
const only = args.only ? new Set(args.only.split(',')) : null;
const nodeFlags = args['node-flags']!.split(' ').filter((flag) => flag !== '');
const KINDS: readonly Kind[] = ['json', 'sse'];
/** Columns every ratio needs: they run whatever --only says. */
const ALWAYS: ReadonlySet<Column> = new Set(['direct', 'bare']);
const wanted = (column: Column, kind: Kind) => ALWAYS.has(column) || !only || only.has(`${column}-${kind}`);

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

function machine(loader: LoaderName, servers: Map<Column, Server>): Record<string, string | number> {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? 'unknown';
  const wrk = loader === 'wrk' ? spawnSync('wrk', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].split(' [')[0] : 'autocannon 9';
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return {
    cpus: availableParallelism(),
    cpu,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    loader: wrk,
    nginx: servers.get('nginx')?.name ?? '-',
    portkey: servers.get('portkey')?.name ?? '-',
    'load average at the end': load,
  };
}

interface Service extends Server {
  logPath: string;
}

async function startMock(): Promise<Server> {
  const child = startChild(process.execPath, [join(ROOT, 'scripts/bench/mock-upstream.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = await firstJsonLine<{ port: number }>(child);
  return { name: 'mock upstream', port, pid: child.pid!, alive: () => child.exitCode === null && child.signalCode === null, stop: () => stopChild(child) };
}

/** The service as it runs in production: compiled to dist/ (rebuilt here so that it matches src/). */
function entryPoint(): string {
  if (args.src) return join(ROOT, 'src/main.ts');
  const built = join(ROOT, 'dist/main.js');
  const newestSource = Math.max(...readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).map((file) => statSync(join(ROOT, 'src', file)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource) return built;
  log('building dist/ (npm run build): it is older than src/');
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'src')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  return built;
}

function profileFlags(name: string): string[] {
  return args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(RESULTS, 'profiles')}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
}

async function startService(entry: string, upstreamPort: number, logLevel: string, name: string): Promise<Service> {
  const port = await freePort();
  const logPath = join(RESULTS, `service-${name}.log`);
  const out = openSync(logPath, 'w');
  const child = startChild(process.execPath, [...nodeFlags, ...profileFlags(`service-${name}`), entry], {
    // A neutral working directory, so that a developer's .env cannot change what is measured.
    cwd: RESULTS,
    // The environment the image sets too (package.json config.service_env).
    env: {
      ...SERVICE_ENV,
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      UPSTREAM_BASE: `http://127.0.0.1:${upstreamPort}`,
      LOG_LEVEL: logLevel,
      LOG_DIR: '',
      SHUTDOWN_TIMEOUT_MS: '2000',
    },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  await waitUntilUp(`http://127.0.0.1:${port}/healthz`, child);
  return { name: `this service (${logLevel})`, port, pid: child.pid!, logPath, alive: () => child.exitCode === null && child.signalCode === null, stop: () => stopChild(child, 8000) };
}

/** null when the scenario can run; else why not. */
async function availability(scenario: Scenario, url: string): Promise<string | null> {
  try {
    const answer = await probe(url, scenario.body, scenario.headers);
    if (answer.status === 404) return 'not available (404)';
    if (answer.status < 200 || answer.status >= 300) return `failed (HTTP ${answer.status}: ${answer.body.slice(0, 200)})`;
    if (!answer.body.includes(scenario.expect)) return `failed (answer lacks ${scenario.expect})`;
    return null;
  } catch (error) {
    return `failed (${(error as Error).message})`;
  }
}

function logSummary(path: string): { lines: number; errorLines: number; bytesPerLine: number } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n').filter((line) => line !== '');
  const errorLines = lines.filter((line) => /"level":(50|60)/.test(line)).length;
  return { lines: lines.length, errorLines, bytesPerLine: lines.length ? Math.round(statSync(path).size / lines.length) : 0 };
}

function translatorBench(): unknown {
  const result = spawnSync(process.execPath, [join(ROOT, 'scripts/bench/stream-translator.ts'), '--json'], { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) return { error: (result.stderr || result.stdout || `exit ${result.status}`).trim() };
  return JSON.parse(result.stdout);
}

async function main(): Promise<void> {
  installCleanup();
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  mkdirSync(RESULTS, { recursive: true });
  const skipped: Record<string, string> = {};

  if (!args['no-install']) {
    const tools = [{ command: 'wrk', pkg: 'wrk' }, ...(args['no-nginx'] ? [] : [{ command: 'nginx', pkg: 'nginx-light' }])];
    for (const [command, note] of ensureDebianTools(tools, log)) log(note);
  }
  const loader: LoaderName = (args.loader as LoaderName | undefined) ?? (wrkAvailable() ? 'wrk' : 'autocannon');
  if (loader === 'wrk' && !wrkAvailable()) throw new Error('--loader=wrk but wrk is not on PATH');
  log(`loader ${loader}; ${durationS}s per run after ${warmupS}s warm-up, connections ${connectionCounts.join('/')}, ${rounds} round(s)`);

  // Every server, one process each.
  const entry = entryPoint();
  const mock = await startMock();
  let service = await startService(entry, mock.port, 'info', 'info');
  const servers = new Map<Column, Server>([['direct', mock], ['chat', service], ['messages', service]]);
  servers.set('bare', await startBareRelay(mock.port, [...nodeFlags, ...profileFlags('bare-relay')], join(RESULTS, 'bare-relay.log'), join(RESULTS, 'js'), SERVICE_ENV));
  const references: Array<[Column, boolean, () => Promise<Server | Skipped>]> = [
    ['nginx', !args['no-nginx'], () => startNginx(mock.port)],
    ['portkey', !args['no-portkey'], () => startPortkey(log, join(RESULTS, 'portkey.log'), !args['no-install'], join(RESULTS, 'js'))],
  ];
  for (const [column, on, start] of references) {
    if (!on) {
      skipped[COLUMN_LABELS[column]] = `--no-${column}`;
      continue;
    }
    if (!KINDS.some((kind) => wanted(column, kind))) continue;
    const started = await start();
    if ('skipped' in started) {
      skipped[COLUMN_LABELS[column]] = started.skipped;
      log(`${column}: skipped: ${started.skipped}`);
    } else {
      servers.set(column, started);
      log(`${column}: ${started.name} on 127.0.0.1:${started.port}`);
    }
  }
  const urlOf = (scenario: Scenario) => `http://127.0.0.1:${servers.get(scenario.column)!.port}${scenario.path}`;

  const main: Scenario[] = [];
  for (const kind of KINDS) for (const column of COLUMNS) if (servers.has(column) && wanted(column, kind)) main.push(scenarioFor(column, kind, mock.port));

  // One request through every column (also the check that each works), then the idle footprint.
  const unavailable = new Map<string, string>();
  for (const scenario of main) {
    await pause(200);
    if (!service.alive()) {
      // A route that takes the process down is reported, and the run goes on with a fresh service.
      log('this service crashed; starting a fresh one');
      await service.stop();
      service = await startService(entry, mock.port, 'info', 'info-restarted');
      servers.set('chat', service);
      servers.set('messages', service);
    }
    const why = await availability(scenario, urlOf(scenario));
    await pause(100);
    const crashed = (scenario.column === 'chat' || scenario.column === 'messages') && !service.alive();
    if (why || crashed) {
      const reason = crashed ? 'failed (the service crashed on this request; see bench-results/service-info.log)' : why!;
      unavailable.set(scenario.id, reason);
      log(`${scenario.id}: ${reason}`);
      if (scenario.column === 'direct') throw new Error(`the mock upstream does not answer ${scenario.id}: ${reason}`);
      if (scenario.column === 'bare') throw new Error(`the bare relay does not answer ${scenario.id}: ${reason}`);
    }
  }
  if (!service.alive()) throw new Error('this service crashed');
  await pause(500);
  const serverList = [...new Set(servers.values())].filter((server) => server !== mock);
  const idle = new Map(serverList.map((server) => [server, memoryOf(server.pid).rssMb]));
  log(`idle RSS: ${serverList.map((server) => `${server.name} ${idle.get(server)!.toFixed(1)} MB`).join(', ')}`);

  // Unloaded latency and time to first byte / token, one request at a time.
  const latency: LatencyRow[] = [];
  for (const scenario of main) {
    const why = unavailable.get(scenario.id);
    const row: LatencyRow = { id: scenario.id, column: scenario.column, kind: scenario.kind, label: scenario.label, result: null, ttfbAddedMs: null, ttftAddedMs: null, totalAddedMs: null, ...(why ? { unavailable: why } : {}) };
    latency.push(row);
    if (why) continue;
    row.result = await measureLatency({ url: urlOf(scenario), body: scenario.body, headers: scenario.headers, requests: latencyRequests, warmup: latencyWarmup, firstToken: scenario.firstToken });
    const base = latency.find((other) => other.column === 'direct' && other.kind === scenario.kind)?.result;
    if (base && scenario.column !== 'direct') {
      row.ttfbAddedMs = row.result.ttfbP50Ms - base.ttfbP50Ms;
      row.ttftAddedMs = Number.isNaN(row.result.ttftP50Ms) ? null : row.result.ttftP50Ms - base.ttftP50Ms;
      row.totalAddedMs = row.result.totalP50Ms - base.totalP50Ms;
    }
    log(`latency ${scenario.id}: TTFB p50 ${row.result.ttfbP50Ms.toFixed(3)} ms${scenario.kind === 'sse' ? `, TTFT p50 ${row.result.ttftP50Ms.toFixed(3)} ms` : ''}, total p50 ${row.result.totalP50Ms.toFixed(3)} ms`);
  }

  // Load cells: one row per column, body and connection count; each round measures every row once.
  const loads: LoadRow[] = [];
  const rowFor = (scenario: Scenario, connections: number): LoadRow => {
    let row = loads.find((other) => other.id === scenario.id && other.connections === connections);
    if (!row) {
      const why = unavailable.get(`${scenario.column}-${scenario.kind}`);
      row = { id: scenario.id, column: scenario.column, kind: scenario.kind, size: scenario.size, label: scenario.label, connections, runs: [], requestsPerS: null, p50Ms: null, p99Ms: null, errors: 0, non2xx: 0, ratio: null, p50AddedMs: null, cpuUsPerRequest: null, cpuVsBare: null, ...(why ? { unavailable: why } : {}) };
      loads.push(row);
    }
    return row;
  };
  /** A run's ratios against the direct and bare runs of the same round, body and connection count. */
  const setRatios = (row: LoadRow, round: number) => {
    const run = row.runs[round];
    const sameRound = (column: Column) => loads.find((other) => other.column === column && other.kind === row.kind && other.size === row.size && other.connections === row.connections)?.runs[round];
    const direct = sameRound('direct');
    const bare = sameRound('bare');
    if (direct) {
      run.ratio = run.result.requestsPerS / direct.result.requestsPerS;
      run.p50AddedMs = run.result.p50Ms - direct.result.p50Ms;
    }
    if (bare) run.cpuVsBare = run.cpuUsPerRequest / bare.cpuUsPerRequest;
  };
  const measureCell = async (scenario: Scenario, connections: number, seconds: number): Promise<void> => {
    const row = rowFor(scenario, connections);
    if (row.unavailable) return;
    const server = servers.get(scenario.column)!;
    const spec = { url: urlOf(scenario), body: scenario.body, headers: scenario.headers, connections, durationS: seconds };
    if (warmupS > 0) await runLoad(loader, { ...spec, durationS: warmupS });
    const perThread = scenario.column === 'chat' || scenario.column === 'messages' || scenario.column === 'bare';
    const threadsBefore = perThread ? threadCpuOf(server.pid) : null;
    const before = { server: cpuMsOf(server.pid), mock: cpuMsOf(mock.pid) };
    const result = await runLoad(loader, spec);
    const run: LoadRun = {
      result,
      cpuUsPerRequest: ((cpuMsOf(server.pid) - before.server) * 1000) / result.requests,
      mockCpuUsPerRequest: ((cpuMsOf(mock.pid) - before.mock) * 1000) / result.requests,
      ...(threadsBefore ? { threads: threadCpuPerRequest(threadsBefore, threadCpuOf(server.pid), result.requests) } : {}),
    };
    row.runs.push(run);
    setRatios(row, row.runs.length - 1);
    if (!server.alive()) row.unavailable = `failed (the process exited during the load)`;
    log(`load ${scenario.id} @${connections}: ${Math.round(result.requestsPerS)} req/s (${run.ratio?.toFixed(2) ?? '-'}× direct), p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}, non-2xx ${result.non2xx}, CPU ${run.cpuUsPerRequest.toFixed(0)} µs/request (${run.cpuVsBare?.toFixed(2) ?? '-'}× bare), mock ${run.mockCpuUsPerRequest.toFixed(0)} µs`);
  };

  // Direct and bare first in each group, so that the log shows every other row's ratios as it goes.
  const measureOrder = (a: Scenario, b: Scenario) => Number(ALWAYS.has(b.column)) - Number(ALWAYS.has(a.column)) || COLUMNS.indexOf(a.column) - COLUMNS.indexOf(b.column);
  for (let round = 0; round < rounds; round++) {
    for (const connections of connectionCounts) {
      for (const kind of KINDS) {
        for (const scenario of main.filter((s) => s.kind === kind).sort(measureOrder)) await measureCell(scenario, connections, durationS);
      }
    }
  }
  // Rows in the tables' order: by connections, body, then column.
  loads.sort((a, b) => connectionCounts.indexOf(a.connections) - connectionCounts.indexOf(b.connections) || KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || COLUMNS.indexOf(a.column) - COLUMNS.indexOf(b.column));
  const afterLoad = new Map(serverList.map((server) => [server, memoryOf(server.pid)]));
  const memory: MemoryRow[] = serverList.map((server) => ({
    server: server.name,
    columns: [...servers].filter(([, s]) => s === server).map(([column]) => column),
    idleRssMb: idle.get(server)!,
    peakRssMb: afterLoad.get(server)!.peakMb,
    rssAfterLoadMb: afterLoad.get(server)!.rssMb,
  }));
  log(`after the loads: ${memory.map((row) => `${row.server} RSS ${row.rssAfterLoadMb.toFixed(1)} MB, peak ${row.peakRssMb.toFixed(1)} MB`).join('; ')}`);

  // Cost growth: CPU per request against answer size and stream length, at 10 connections.
  const growth: GrowthRow[] = [];
  if (!args['no-growth']) {
    const cells = GROWTH_SHAPES.flatMap(({ kind, shape }) => GROWTH_COLUMNS.filter((column) => wanted(column, kind) && !unavailable.has(`${column}-${kind}`)).map((column) => scenarioFor(column, kind, mock.port, shape)));
    for (let round = 0; round < rounds; round++) for (const scenario of cells) await measureCell(scenario, 10, growthDurationS);
    for (const kind of KINDS) {
      for (const column of GROWTH_COLUMNS) {
        const shapes = GROWTH_SHAPES.filter((entry) => entry.kind === kind);
        const rows = shapes.map(({ shape }) => loads.find((row) => row.column === column && row.kind === kind && row.size === sizeOf(shape) && row.connections === 10));
        if (rows.some((row) => row === undefined)) continue;
        for (const row of rows) summarize(row!);
        const points = shapes.map(({ x, shape }, i) => ({ x, size: sizeOf(shape), cpuUsPerRequest: rows[i]!.cpuUsPerRequest, requestsPerS: rows[i]!.requestsPerS }));
        growth.push({ column, kind, label: COLUMN_LABELS[column], unit: kind === 'json' ? 'KB' : 'event', points, ...fitGrowth(points), slopeVsBare: null });
      }
      const bare = growth.find((row) => row.column === 'bare' && row.kind === kind);
      for (const row of growth.filter((other) => other.kind === kind)) row.slopeVsBare = bare?.slope && row.slope !== null ? row.slope / bare.slope : null;
    }
  }
  for (const row of loads) summarize(row);
  const servicePeakAtEndMb = memoryOf(service.pid).peakMb;

  // What the one info access line per request costs: the same load against a second service at warn.
  const logCost: LogCostRow[] = [];
  if (args['log-cost']) {
    const quiet = await startService(entry, mock.port, 'warn', 'warn');
    for (const scenario of main.filter((s) => (s.column === 'chat' || s.column === 'messages') && s.kind === 'json' && !unavailable.has(s.id))) {
      const measured = async (target: Server) => {
        const spec = { url: `http://127.0.0.1:${target.port}${scenario.path}`, body: scenario.body, headers: scenario.headers, connections: 10, durationS };
        if (warmupS > 0) await runLoad(loader, { ...spec, durationS: warmupS });
        const before = cpuMsOf(target.pid);
        const result = await runLoad(loader, spec);
        return { result, cpuUsPerRequest: ((cpuMsOf(target.pid) - before) * 1000) / result.requests };
      };
      const info = await measured(service);
      const warn = await measured(quiet);
      logCost.push({ scenario: scenario.id, connections: 10, info: info.result, warn: warn.result, infoCpuUsPerRequest: info.cpuUsPerRequest, warnCpuUsPerRequest: warn.cpuUsPerRequest });
      log(`access line ${scenario.id}: info ${Math.round(info.result.requestsPerS)} req/s ${info.cpuUsPerRequest.toFixed(0)} µs/request vs warn ${Math.round(warn.result.requestsPerS)} req/s ${warn.cpuUsPerRequest.toFixed(0)} µs/request`);
    }
    await quiet.stop();
    if (!args['keep-logs']) rmSync(quiet.logPath, { force: true });
  }

  const reportMachine = machine(loader, servers);
  for (const server of [...serverList].reverse()) await server.stop();
  await mock.stop();
  const serviceLog = logSummary(service.logPath);
  if (!args['keep-logs']) rmSync(service.logPath, { force: true });

  const streamTranslator = args['no-translator'] ? null : translatorBench();
  const partial = { loads, latency, memory, growth };
  const report: Report = {
    startedAt,
    machine: reportMachine,
    settings: {
      durationS,
      warmupS,
      rounds,
      growthDurationS,
      latencyRequests,
      latencyWarmup,
      service: `${Object.entries(SERVICE_ENV).map(([name, value]) => `${name}=${value} `).join('')}node ${nodeFlags.length ? `${nodeFlags.join(' ')} ` : ''}${args.src ? 'src/main.ts (type stripping)' : 'dist/main.js'}`,
      serviceLogLevel: 'info',
      serviceLogLines: serviceLog.lines,
      serviceLogErrorLines: serviceLog.errorLines,
      accessLineBytes: serviceLog.bytesPerLine,
      cpuProf: args['cpu-prof'] ?? false,
      runSeconds: Math.round((Date.now() - started) / 1000),
    },
    skipped,
    ...partial,
    servicePeakAtEndMb,
    logCost,
    streamTranslator,
    targets: evaluateTargets(partial),
  };
  const stamp = startedAt.replace(/[:.]/g, '-');
  writeFileSync(join(RESULTS, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS, 'latest.md'), `${formatMarkdown(report)}\n`);
  process.stdout.write(`${formatText(report)}\n\n`);
  log(`results: bench-results/bench-${stamp}.json (and latest.json, latest.md), ${report.settings.runSeconds}s`);
}

// A failure anywhere still stops every child (installCleanup kills them on exit).
main().catch((error) => {
  process.stderr.write(`bench: failed: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
  // Exit explicitly: open sockets or timers must not keep a failed run alive.
  setImmediate(() => process.exit(1));
});
