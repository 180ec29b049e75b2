// The reference servers of the benchmark, each started here as a child process on 127.0.0.1 and stopped
// with the rest: nginx as a byte relay, the bare fastify + undici relay (bare-relay.ts), and the Portkey
// gateway. What is missing is installed when it can be (Debian packages with apt-get, Portkey with npm into a
// folder of its own, never into the project's dependencies); a reference that cannot run is skipped with the
// reason, and the run goes on.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { firstJsonLine, freePort, javascriptOf, startChild, stopChild, waitUntilListening } from './processes.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Server {
  name: string;
  port: number;
  pid: number;
  alive(): boolean;
  stop(): Promise<void>;
}

/** A reference that could not be started, and why. */
export interface Skipped {
  skipped: string;
}

function serverOf(name: string, port: number, child: ChildProcess, graceMs = 5000): Server {
  return { name, port, pid: child.pid!, alive: () => child.exitCode === null && child.signalCode === null, stop: () => stopChild(child, graceMs) };
}

function onPath(command: string): boolean {
  return spawnSync(command, ['-v'], { stdio: 'ignore' }).error === undefined;
}

/**
 * Installs the Debian packages behind the commands that are missing (wrk, nginx from nginx-light), when
 * running as root with apt-get; returns a note per command that is still missing.
 */
export function ensureDebianTools(wanted: Array<{ command: string; pkg: string }>, log: (text: string) => void): Map<string, string> {
  const missing = wanted.filter(({ command }) => !onPath(command));
  const notes = new Map<string, string>();
  if (missing.length === 0) return notes;
  const packages = missing.map(({ pkg }) => pkg);
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).error) {
    for (const { command, pkg } of missing) notes.set(command, `${command} is not installed (apt-get install ${pkg})`);
    return notes;
  }
  log(`installing ${packages.join(', ')} with apt-get`);
  // Package scripts must not start a system nginx: with no init system, invoke-rc.d refuses anyway, and
  // RUNLEVEL=1 keeps it that way where there is one.
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 300_000 });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore', timeout: 300_000 });
    result = install();
  }
  for (const { command, pkg } of missing) {
    if (!onPath(command)) notes.set(command, `${command} could not be installed (apt-get install ${pkg}: ${(result.stderr ?? '').trim().split('\n').pop() || `exit ${result.status}`})`);
  }
  return notes;
}

/** The nginx configuration: one process, keep-alive to the upstream, no buffering either way, no access log. */
export function nginxConfig(dir: string, port: number, upstreamPort: number): string {
  return `# Written by scripts/bench/references.ts for one benchmark run.
daemon off;
# One process doing the one worker's job (no master): nothing is left behind if the benchmark is killed.
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 32m;
  keepalive_requests 1000000;
  upstream mock {
    server 127.0.0.1:${upstreamPort};
    keepalive 512;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
`;
}

export async function startNginx(upstreamPort: number): Promise<Server | Skipped> {
  if (!onPath('nginx')) return { skipped: 'nginx is not installed (apt-get install nginx-light)' };
  const dir = mkdtempSync(join(tmpdir(), 'anthropic-proxy-bench-nginx-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, upstreamPort));
  const child = startChild('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk) => (err += chunk));
  try {
    await waitUntilListening(port, child);
  } catch (error) {
    await stopChild(child, 1000);
    return { skipped: `nginx did not start: ${(err || (error as Error).message).trim()}` };
  }
  const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace(/^nginx version: /, '');
  return serverOf(version, port, child, 3000);
}

/** The bare relay under the same node flags as the service (and its CPU profile with --cpu-prof), as JavaScript. */
export async function startBareRelay(upstreamPort: number, nodeFlags: string[], logPath: string, jsDir: string, env: Record<string, string> = {}): Promise<Server> {
  const out = openSync(logPath, 'w');
  const child = startChild(process.execPath, [...nodeFlags, javascriptOf(join(HERE, 'bare-relay.ts'), jsDir), `http://127.0.0.1:${upstreamPort}`], { stdio: ['ignore', 'pipe', out], env: { ...process.env, ...env } });
  closeSync(out);
  const { port } = await firstJsonLine<{ port: number }>(child);
  return serverOf('bare relay', port, child);
}

const PORTKEY_SOURCE = join(HERE, 'portkey');
/** Apart from the project's node_modules, kept between runs. */
export const PORTKEY_HOME = join(homedir(), '.cache', 'anthropic-proxy', 'bench-portkey');
const PORTKEY_ENTRY = join(PORTKEY_HOME, 'node_modules/@portkey-ai/gateway/build/start-server.js');

/** Installs the gateway as scripts/bench/portkey/ pins it (its package-lock.json), when not there yet. */
function ensurePortkey(log: (text: string) => void, install: boolean): string | null {
  const lock = readFileSync(join(PORTKEY_SOURCE, 'package-lock.json'), 'utf8');
  const installedLock = join(PORTKEY_HOME, 'node_modules/.package-lock.json');
  if (existsSync(PORTKEY_ENTRY) && existsSync(join(PORTKEY_HOME, 'package-lock.json')) && readFileSync(join(PORTKEY_HOME, 'package-lock.json'), 'utf8') === lock && existsSync(installedLock)) return null;
  if (!install) return 'not installed yet, and --no-install';
  log(`installing the Portkey gateway into ${PORTKEY_HOME} (npm ci, the pinned lockfile)`);
  mkdirSync(PORTKEY_HOME, { recursive: true });
  copyFileSync(join(PORTKEY_SOURCE, 'package.json'), join(PORTKEY_HOME, 'package.json'));
  copyFileSync(join(PORTKEY_SOURCE, 'package-lock.json'), join(PORTKEY_HOME, 'package-lock.json'));
  // npm as the one running this script when started by `npm run`, else the one next to this node.
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli && npmCli.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  // --ignore-scripts: its one install script applies patches from the gateway's repository, not shipped.
  const result = spawnSync(command, [...args, 'ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: PORTKEY_HOME, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0 || !existsSync(PORTKEY_ENTRY)) return `npm ci failed: ${(result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n').slice(-2).join(' ')}`;
  return null;
}

export async function startPortkey(log: (text: string) => void, logPath: string, install: boolean, jsDir: string): Promise<Server | Skipped> {
  const problem = ensurePortkey(log, install);
  if (problem) return { skipped: `Portkey not installed: ${problem}` };
  const port = await freePort();
  const version = (JSON.parse(readFileSync(join(PORTKEY_HOME, 'node_modules/@portkey-ai/gateway/package.json'), 'utf8')) as { version: string }).version;
  const out = openSync(logPath, 'w');
  // It listens on every interface and can call out: loopback-only.ts keeps both on 127.0.0.1.
  const child = startChild(process.execPath, ['--import', pathToFileURL(javascriptOf(join(HERE, 'loopback-only.ts'), jsDir)).href, PORTKEY_ENTRY, `--port=${port}`, '--headless'], {
    cwd: PORTKEY_HOME,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', out],
  });
  closeSync(out);
  try {
    await waitUntilListening(port, child);
  } catch (error) {
    await stopChild(child, 1000);
    return { skipped: `Portkey did not start: ${(error as Error).message} (see ${logPath})` };
  }
  return serverOf(`Portkey gateway ${version}`, port, child);
}
