// Bounded load against one URL with a well-kept load generator: wrk when it is on PATH (C, one thread, leaves
// the most CPU to the processes measured), else autocannon's programmatic API. Both report the same shape.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startChild } from './processes.ts';

export type LoaderName = 'wrk' | 'autocannon';

export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requests: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection, read, write errors and timeouts. */
  errors: number;
  non2xx: number;
}

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

const workDir = mkdtempSync(join(tmpdir(), 'anthropic-proxy-bench-'));
process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));
let scripts = 0;

function luaString(text: string): string {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

/** wrk's Lua hook prints one JSON line (latencies in microseconds) that is parsed here. */
function wrkScript(spec: LoadSpec): string {
  const headers = Object.entries(spec.headers).map(([name, value]) => `wrk.headers[ ${luaString(name)} ] = ${luaString(value)}`);
  const path = join(workDir, `load-${scripts++}.lua`);
  writeFileSync(path, [
    'wrk.method = "POST"',
    `wrk.body = ${luaString(spec.body)}`,
    ...headers,
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format("BENCH_RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"errors\\":%d,\\"non2xx\\":%d,\\"p50\\":%d,\\"p99\\":%d}\\n",',
    '    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,',
    '    latency:percentile(50), latency:percentile(99)))',
    'end',
    '',
  ].join('\n'));
  return path;
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const script = wrkScript(spec);
  const child = startChild('wrk', ['-t1', `-c${spec.connections}`, `-d${Math.max(1, Math.round(spec.durationS))}s`, '--timeout', '10s', '-s', script, spec.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const [code] = await once(child, 'exit');
  const line = out.split('\n').find((text) => text.startsWith('BENCH_RESULT '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}): ${err || out}`);
  const raw = JSON.parse(line.slice('BENCH_RESULT '.length)) as { requests: number; duration_us: number; errors: number; non2xx: number; p50: number; p99: number };
  return {
    requests: raw.requests,
    requestsPerS: raw.requests / (raw.duration_us / 1e6),
    p50Ms: raw.p50 / 1000,
    p99Ms: raw.p99 / 1000,
    errors: raw.errors,
    non2xx: raw.non2xx,
  };
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    method: 'POST',
    body: spec.body,
    headers: spec.headers,
    connections: spec.connections,
    pipelining: 1,
    duration: spec.durationS,
    timeout: 10,
  });
  return {
    requests: result.requests.total,
    requestsPerS: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export async function runLoad(loader: LoaderName, spec: LoadSpec): Promise<LoadResult> {
  return loader === 'wrk' ? runWrk(spec) : runAutocannon(spec);
}
