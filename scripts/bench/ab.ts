// Interleaved A/B comparison of service builds or settings, for trying an optimisation: one mock upstream,
// every variant running at once as its own process, and rounds of the same load against each in turn (A B C
// B C A ...), so that a busy machine slows them alike. Reports per variant the median CPU time per request
// (from /proc, with its main thread's share), requests/s, and each as a ratio of the first variant: the median
// of the per-round ratios (each round's variants ran minutes apart at most, so a load that drifts over the
// run cancels out), with the quartiles of those ratios.
//
// Usage: node scripts/bench/ab.ts --scenario=chat-json [--json-bytes=N | --events=N] [--connections=10]
//          [--duration=4] [--warmup=1] [--rounds=5] [--node-flags="..." (default: the service's, package.json config)]
//          --variant=NAME=ENTRY[,ENV=VALUE...] ...
//   ENTRY: a service entry point (dist/main.js, a scratch worktree's dist/main.js, src/main.ts) or `bare` (the
//   bare relay of bare-relay.ts). Each ENV=VALUE is set for that variant only (LOG_LEVEL=warn, ...);
//   NODE_FLAGS=--a+--b replaces --node-flags for that variant (MALLOC_ARENA_MAX=2, NODE_FLAGS=--max-old-space-size=96+--expose-gc).
//   Every variant starts with the service's environment (package.json config.service_env); ENV= (empty) unsets one.
//   --scenario=<column>-<kind> as in scenarios.ts; a bare variant always gets the passthrough request.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, wrkAvailable } from './load.ts';
import { cpuMsOf, firstJsonLine, freePort, installCleanup, memoryOf, startChild, stopChild, threadCpuOf, threadCpuPerRequest, waitUntilUp } from './processes.ts';
import { startBareRelay, type Server } from './references.ts';
import { median } from './report.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../node-flags.ts';
import { scenarioFor, type Column, type Kind } from './scenarios.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = join(ROOT, 'bench-results');

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'chat-json' },
    'json-bytes': { type: 'string' },
    events: { type: 'string' },
    connections: { type: 'string', default: '10' },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    'node-flags': { type: 'string', default: SERVICE_NODE_FLAGS.join(' ') },
    variant: { type: 'string', multiple: true, default: [] },
  },
});

const [column, kind] = args.scenario!.split('-') as [Column, Kind];
const shape = args['json-bytes'] ? { jsonBytes: Number(args['json-bytes']) } : args.events ? { events: Number(args.events) } : {};
const nodeFlags = args['node-flags']!.split(' ').filter((flag) => flag !== '');
const connections = Number(args.connections);
const log = (text: string) => process.stderr.write(`ab: ${text}\n`);

interface Variant {
  name: string;
  entry: string;
  env: Record<string, string>;
}

function parseVariant(text: string): Variant {
  const [name, rest] = [text.slice(0, text.indexOf('=')), text.slice(text.indexOf('=') + 1)];
  const [entry, ...pairs] = rest.split(',');
  if (!name || !entry) throw new Error(`--variant=${text}: expected NAME=ENTRY[,ENV=VALUE...]`);
  return { name, entry: entry === 'bare' ? 'bare' : resolve(entry), env: Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])) };
}

async function startVariant(variant: Variant, upstreamPort: number): Promise<Server> {
  const { NODE_FLAGS: ownFlags, ...env } = { ...SERVICE_ENV, ...variant.env };
  for (const name of Object.keys(SERVICE_ENV)) if (env[name] === '') delete env[name];
  const flags = ownFlags === undefined ? nodeFlags : ownFlags.split('+').filter((flag) => flag !== '');
  if (variant.entry === 'bare') return startBareRelay(upstreamPort, flags, join(RESULTS, `ab-${variant.name}.log`), join(RESULTS, 'js'), env);
  const port = await freePort();
  const out = openSync(join(RESULTS, `ab-${variant.name}.log`), 'w');
  const child = startChild(process.execPath, [...flags, variant.entry], {
    cwd: RESULTS,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), UPSTREAM_BASE: `http://127.0.0.1:${upstreamPort}`, LOG_LEVEL: 'info', LOG_DIR: '', ...env },
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  await waitUntilUp(`http://127.0.0.1:${port}/healthz`, child);
  return { name: variant.name, port, pid: child.pid!, alive: () => child.exitCode === null, stop: () => stopChild(child, 8000) };
}

async function main(): Promise<void> {
  installCleanup();
  mkdirSync(RESULTS, { recursive: true });
  const variants = args.variant!.map(parseVariant);
  if (variants.length === 0) throw new Error('no --variant given');
  const loader = wrkAvailable() ? 'wrk' : 'autocannon';
  const mockChild = startChild(process.execPath, [join(ROOT, 'scripts/bench/mock-upstream.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port: mockPort } = await firstJsonLine<{ port: number }>(mockChild);
  const servers: Server[] = [];
  for (const variant of variants) servers.push(await startVariant(variant, mockPort));
  const runs = variants.map(() => [] as Array<{ cpu: number; main: number; rps: number; p50: number }>);
  // Everything each variant answered, warm-ups included: divides a CPU profile's totals into per-request costs.
  const served = variants.map(() => 0);
  for (let round = 0; round < Number(args.rounds); round++) {
    // Each round starts with the next variant, so that none always runs first (right after a pause) or last.
    for (let k = 0; k < variants.length; k++) {
      const i = (round + k) % variants.length;
      const variant = variants[i];
      const scenario = scenarioFor(variant.entry === 'bare' ? 'bare' : column, kind, mockPort, shape);
      const spec = { url: `http://127.0.0.1:${servers[i].port}${scenario.path}`, body: scenario.body, headers: scenario.headers, connections, durationS: Number(args.duration) };
      if (Number(args.warmup) > 0) served[i] += (await runLoad(loader, { ...spec, durationS: Number(args.warmup) })).requests;
      const threads = threadCpuOf(servers[i].pid);
      const before = cpuMsOf(servers[i].pid);
      const result = await runLoad(loader, spec);
      served[i] += result.requests;
      const cpu = ((cpuMsOf(servers[i].pid) - before) * 1000) / result.requests;
      const perThread = threadCpuPerRequest(threads, threadCpuOf(servers[i].pid), result.requests);
      const mainThread = Object.entries(perThread).find(([name]) => name.endsWith('(main)'))?.[1].us ?? Number.NaN;
      runs[i].push({ cpu, main: mainThread, rps: result.requestsPerS, p50: result.p50Ms });
      if (result.errors + result.non2xx > 0) log(`${variant.name}: ${result.errors} errors, ${result.non2xx} non-2xx`);
      log(`round ${round + 1} ${variant.name}: ${cpu.toFixed(0)} µs/request (main thread ${mainThread.toFixed(0)}), ${Math.round(result.requestsPerS)} req/s`);
    }
  }
  /** Median and quartiles of this variant's per-round ratios to the first variant's same round. */
  const perRound = (i: number, pick: (run: (typeof runs)[number][number]) => number) => {
    const ratios = runs[i].map((run, round) => pick(run) / pick(runs[0][round])).sort((a, b) => a - b);
    const at = (q: number) => ratios[Math.min(ratios.length - 1, Math.round(q * (ratios.length - 1)))];
    return { median: median(ratios)!, q1: at(0.25), q3: at(0.75) };
  };
  const rows = variants.map((variant, i) => ({
    name: variant.name,
    cpuRatio: perRound(i, (run) => run.cpu),
    rpsRatio: perRound(i, (run) => run.rps),
    cpu: median(runs[i].map((run) => run.cpu))!,
    main: median(runs[i].map((run) => run.main))!,
    rps: median(runs[i].map((run) => run.rps))!,
    p50: median(runs[i].map((run) => run.p50))!,
    spread: `${Math.min(...runs[i].map((run) => run.cpu)).toFixed(0)}-${Math.max(...runs[i].map((run) => run.cpu)).toFixed(0)}`,
    rss: memoryOf(servers[i].pid),
    served: served[i],
  }));
  process.stdout.write(`${args.scenario}${shape.jsonBytes ? ` ${shape.jsonBytes} B` : shape.events ? ` ${shape.events} events` : ''} @${connections}, ${args.rounds} rounds of ${args.duration}s, medians; "vs first": median of the per-round ratios [quartiles]\n`);
  process.stdout.write('variant            CPU µs/req  (range)    vs first  [quartiles]    main thread µs  req/s   vs first  p50 ms  RSS / peak MB  requests served\n');
  const quartiles = (ratio: { q1: number; q3: number }) => `[${ratio.q1.toFixed(2)}-${ratio.q3.toFixed(2)}]`;
  for (const row of rows) {
    process.stdout.write(`${row.name.padEnd(18)} ${row.cpu.toFixed(0).padStart(10)}  ${row.spread.padEnd(10)} ${row.cpuRatio.median.toFixed(3).padStart(8)}  ${quartiles(row.cpuRatio).padEnd(13)} ${row.main.toFixed(0).padStart(14)}  ${Math.round(row.rps).toString().padStart(6)}  ${row.rpsRatio.median.toFixed(3).padStart(8)}  ${row.p50.toFixed(2).padStart(6)}  ${`${row.rss.rssMb.toFixed(0)} / ${row.rss.peakMb.toFixed(0)}`.padStart(13)}  ${row.served}\n`);
  }
  for (const server of servers) await server.stop();
  await stopChild(mockChild);
}

main().catch((error) => {
  process.stderr.write(`ab: failed: ${(error as Error).stack ?? error}\n`);
  setImmediate(() => process.exit(1));
});
