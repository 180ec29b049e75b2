// A real Redis server for tests (Debian's redis-server, which .ci/run installs): on 127.0.0.1 and a free
// port, its files in a temporary folder that is removed afterwards, killed with the test process if that
// dies first (setpriv --pdeathsig). It can be killed and started again on the same port and folder, or
// paused (SIGSTOP) to play a server that accepts connections but never answers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface RedisServerOptions {
  /** Append-only file with fsync on every write, so that a killed server comes back with its data. */
  persistent?: boolean;
  /** Extra configuration, e.g. ['--maxmemory', '1mb']. */
  args?: string[];
}

const START_TIMEOUT_MS = 5000;

/** Why the Redis tests cannot run here, or null when they can. */
export function redisServerMissing(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : 'redis-server is not installed (apt-get install redis-server; .ci/run does it)';
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** One PING over a raw socket: true when the server answers PONG within the time given. */
export function pings(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    // NOAUTH: a server with requirepass answers too.
    socket.on('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
    socket.on('error', () => done(false));
  });
}

export class RedisServer {
  readonly port: number;
  readonly url: string;
  private readonly dir: string;
  private readonly options: RedisServerOptions;
  private process: ChildProcess | null = null;
  private output = '';

  private constructor(port: number, dir: string, options: RedisServerOptions) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.dir = dir;
    this.options = options;
  }

  static async start(t: Teardown, options: RedisServerOptions = {}): Promise<RedisServer> {
    // A persistent server fsyncs every write: on tmpfs that costs nothing, on a busy disk it can take longer
    // than the store's timeout.
    const base = options.persistent && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const dir = mkdtempSync(join(base, 'anthropic-proxy-redis-'));
    // A port found free can be taken before redis-server binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(await freePort(), dir, options);
      try {
        await server.launch();
        t.teardown(async () => {
          await server.kill();
          rmSync(dir, { recursive: true, force: true });
        });
        return server;
      } catch (error) {
        await server.kill();
        if (attempt >= 3) {
          rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  /** Starts the server (again) on its port and folder and waits until it answers. */
  async launch(): Promise<void> {
    const persistence = this.options.persistent
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = [
      '--pdeathsig', 'KILL', 'redis-server',
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '',
      '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning', ...persistence, ...(this.options.args ?? []),
    ];
    const child = spawn('setpriv', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    this.output = '';
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      if (await pings(this.port, 200)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`redis-server did not start on port ${this.port}: ${this.output.trim() || 'no output'}`);
  }

  /** SIGKILL, as a crash: the port is free once this resolves. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT'); // a paused server cannot die otherwise
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** The server keeps its connections but answers nothing (a hung or overloaded Redis). */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }
}
