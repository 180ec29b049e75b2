// Drives the real host scripts (run.sh, start.sh, stop.sh, status.sh, restart.sh) in a throwaway copy of the
// project, against the real service built from that copy.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './process.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ROOT_SCRIPTS = ['run.sh', 'start.sh', 'stop.sh', 'status.sh', 'restart.sh'] as const;
const COPIED = ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', ...ROOT_SCRIPTS];

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CopyOptions {
  /** Build dist/ in the copy (tsc -p src, what `npm run build` runs). */
  build?: boolean;
  /** Link the checkout's node_modules into the copy (default true). */
  nodeModules?: boolean;
}

export interface ProjectCopy {
  dir: string;
  port: number;
  /** Runs ./<script> in the copy with PROXY_MODE=pid and the test's Node first in PATH. */
  run(script: string, args?: string[], env?: Record<string, string>): Promise<ScriptResult>;
  /** The PID in the PID file, or null. */
  pid(): number | null;
  /** Kills a process at teardown even when a test failed half-way. */
  track(pid: number): void;
  path(...parts: string[]): string;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers signal 0.
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

function runChild(command: string, args: string[], cwd: string, env: Record<string, string>, timeoutMs: number): Promise<ScriptResult> {
  const started = Date.now();
  const child: ChildProcess = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    let code: number | null = null;
    const finish = () => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    };
    child.once('exit', (exitCode) => {
      code = exitCode;
      // The pipes close when every holder is gone; a background process that kept one would hang 'close'.
      setTimeout(finish, 2000).unref();
    });
    child.once('close', finish);
  });
}

/** The environment every script run gets: nothing inherited but PATH (the test's Node first) and HOME. */
export function scriptEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter),
    HOME: process.env.HOME ?? tmpdir(),
    PROXY_MODE: 'pid',
    ...extra,
  };
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function projectCopy(t: Teardown, options: CopyOptions = {}): Promise<ProjectCopy> {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-scripts-'));
  for (const name of COPIED) {
    if (existsSync(join(REPO, name))) cpSync(join(REPO, name), join(dir, name), { recursive: true, preserveTimestamps: true });
  }
  if (options.nodeModules !== false) {
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
    // The copy shares the checkout's node_modules: declare only what is installed there, so the scripts'
    // dependency check judges the copy and not the state of the developer's install.
    const manifestPath = join(dir, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (!existsSync(join(REPO, 'node_modules', name, 'package.json'))) delete manifest.dependencies![name];
    }
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  }
  const port = await freePort();
  writeFileSync(
    join(dir, '.env'),
    [`PORT=${port}`, 'HOST=127.0.0.1', 'UPSTREAM_BASE=http://127.0.0.1:9', 'SHUTDOWN_TIMEOUT_MS=2000', 'LOG_LEVEL=info', ''].join('\n'),
  );
  if (options.build) {
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const built = await runChild(process.execPath, [tsc, '-p', 'src'], dir, scriptEnv(), 120_000);
    if (built.code !== 0) throw new Error(`build failed: ${built.stdout}${built.stderr}`);
  }

  const tracked = new Set<number>();
  const pidFile = join(dir, 'anthropic-proxy.pid');
  const copy: ProjectCopy = {
    dir,
    port,
    run: (script, args = [], env = {}) => runChild(join(dir, script), args, dir, scriptEnv(env), 60_000),
    pid: () => {
      if (!existsSync(pidFile)) return null;
      const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
      if (Number.isInteger(pid)) tracked.add(pid);
      return Number.isInteger(pid) ? pid : null;
    },
    track: (pid) => void tracked.add(pid),
    path: (...parts) => join(dir, ...parts),
  };
  t.teardown(async () => {
    copy.pid();
    for (const pid of tracked) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return copy;
}

export async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}
