// Child processes of the benchmark (mock upstream, service, the reference relays, wrk): started here,
// tracked, and all killed when the benchmark ends, fails or is interrupted.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { connect } from 'node:net';
import { basename, join } from 'node:path';

const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function startChild(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, options));
}

/** Asks a child to stop (SIGTERM), and kills it if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Last resort, synchronous: whatever is still running is killed. */
export function killAll(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

let installed = false;
/** Kills every child on exit, Ctrl-C, SIGTERM and on an uncaught error. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping everything it started\n`);
      killAll();
      process.exit(130);
    });
  }
  process.once('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error}\n`);
    killAll();
    process.exit(1);
  });
}

export { freePort } from '../../test/helpers/process.ts';

/**
 * A script of this folder as plain JavaScript, written into `dir` (inside the project, so that its imports
 * resolve to the project's node_modules), for the servers whose memory is measured: running a .ts file
 * makes node load its type stripper, about 14 MB of RSS that the service, run from dist/, does not have.
 */
export function javascriptOf(script: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const target = join(dir, basename(script).replace(/\.ts$/, '.mjs'));
  // The API is experimental in Node 24 and says so once per process; the stripping itself is what node does.
  const emitWarning = process.emitWarning;
  process.emitWarning = () => undefined;
  try {
    writeFileSync(target, stripTypeScriptTypes(readFileSync(script, 'utf8')));
  } finally {
    process.emitWarning = emitWarning;
  }
  return target;
}

export async function waitUntilUp(url: string, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode} before answering`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** Waits until something accepts TCP connections on 127.0.0.1:port (for servers with no health route). */
export async function waitUntilListening(port: number, child: ChildProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`port ${port}: the process exited (${child.exitCode ?? child.signalCode}) before listening`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/** First line a child prints on stdout, parsed as JSON (the mock announces its port that way). */
export async function firstJsonLine<T>(child: ChildProcess, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('no start-up line from child')), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline === -1) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      try {
        resolve(JSON.parse(buffered.slice(0, newline)) as T);
      } catch (error) {
        reject(error);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited with code ${code} before its start-up line`)));
  });
}

export interface MemoryInfo {
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size over the process's life (VmHWM), MB. */
  peakMb: number;
}

export function memoryOf(pid: number): MemoryInfo {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

const TICKS_PER_S = 100; // USER_HZ on Linux

/** User and system CPU time in a /proc stat line, in ms; and the command name. */
function parseStat(stat: string): { name: string; userMs: number; systemMs: number } {
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), userMs: (Number(fields[11]) * 1000) / TICKS_PER_S, systemMs: (Number(fields[12]) * 1000) / TICKS_PER_S };
}

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMsOf(pid: number): number {
  const { userMs, systemMs } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return userMs + systemMs;
}

export interface ThreadCpu {
  userMs: number;
  systemMs: number;
}

/**
 * CPU time so far per thread name (Node's main thread, its V8 and libuv workers...), threads of one name
 * added up. Threads that ended are not counted, so take differences over a span in which none ends.
 */
export function threadCpuOf(pid: number): Map<string, ThreadCpu> {
  const byName = new Map<string, ThreadCpu>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const { name, userMs, systemMs } = parseStat(stat);
    const key = tid === String(pid) ? `${name} (main)` : name;
    const sum = byName.get(key) ?? { userMs: 0, systemMs: 0 };
    sum.userMs += userMs;
    sum.systemMs += systemMs;
    byName.set(key, sum);
  }
  return byName;
}

/** Per thread name, µs of CPU per request between two threadCpuOf snapshots (user + system, and system alone). */
export function threadCpuPerRequest(before: Map<string, ThreadCpu>, after: Map<string, ThreadCpu>, requests: number): Record<string, { us: number; systemUs: number }> {
  const out: Record<string, { us: number; systemUs: number }> = {};
  for (const [name, end] of after) {
    const start = before.get(name) ?? { userMs: 0, systemMs: 0 };
    const userUs = ((end.userMs - start.userMs) * 1000) / requests;
    const systemUs = ((end.systemMs - start.systemMs) * 1000) / requests;
    if (userUs + systemUs > 0) out[name] = { us: userUs + systemUs, systemUs };
  }
  return out;
}
