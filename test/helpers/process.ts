// Runs the real entry point (src/main.ts) as a child process, for start-up, logging and signal tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningService {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** An fd for the service's stdout (a pipe the test controls); by default stdout is collected. */
  stdout?: number;
  /** Node flags before the entry point (`--max-old-space-size=...`). */
  nodeFlags?: string[];
}

export function startService(env: Record<string, string>, cwd: string, options: StartOptions = {}): RunningService {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), MAIN], {
    cwd,
    // Load shedding is off unless a test asks for it: a busy test machine must not turn into 503s.
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', MAX_EVENT_LOOP_DELAY_MS: '0', ...env },
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Polls a URL until it answers 200 (bounded). */
export async function waitUntilUp(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}
