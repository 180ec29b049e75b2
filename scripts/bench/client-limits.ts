// `npm run bench:client-limits`: what a client key's limit check costs per request, the admission before the
// call and the settlement after it, with the limits in the process and in a local redis-server (started
// here on 127.0.0.1 when `redis-server` is installed). Sequential, so the Redis figure is one round trip
// per step at a time; bounded in count.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { windowsAt, type ClientLimits, type LimitStore } from '../../src/client-keys.ts';
import { MemoryLimitStore } from '../../src/state/client-limits-memory.ts';
import { RedisLimitStore } from '../../src/state/client-limits-redis.ts';

const REQUESTS = 5000;
const LIMITS: ClientLimits = { rpm: 1e9, tpm: 1e12, inFlight: 1e6, tokensPerDay: 1e12, tokensPerMonth: 1e12 };

async function measure(store: LimitStore): Promise<{ admitUs: number; settleUs: number }> {
  let admit = 0;
  let settle = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const now = Date.now();
    const windows = windowsAt(now);
    const reservation = { key: 'bench', requestId: `r${i}`, estimate: 100, minute: windows.minute, day: windows.day, month: windows.month };
    const started = performance.now();
    const admission = await store.admit(reservation, LIMITS, now);
    const admitted = performance.now();
    if (!admission.ok) throw new Error(`refused: ${admission.limit}`);
    await store.settle(reservation, LIMITS, 120);
    settle += performance.now() - admitted;
    admit += admitted - started;
  }
  return { admitUs: (admit / REQUESTS) * 1000, settleUs: (settle / REQUESTS) * 1000 };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

const rows: string[][] = [['store', 'admission (µs/request)', 'settlement (µs/request)']];
const memory = await measure(new MemoryLimitStore());
rows.push(['in the process', memory.admitUs.toFixed(1), memory.settleUs.toFixed(1)]);

const port = await freePort();
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const started = await Promise.race([once(server, 'spawn').then(() => true), once(server, 'error').then(() => false)]);
if (started) {
  const client = new Redis(`redis://127.0.0.1:${port}`, { retryStrategy: (attempt) => (attempt > 50 ? null : 100) });
  // Refused until the server listens: the client retries meanwhile.
  client.on('error', () => undefined);
  await new Promise((resolve) => client.once('ready', resolve));
  const redis = await measure(new RedisLimitStore({ client, staleAfterMs: 60_000 }));
  rows.push(['Redis on 127.0.0.1', redis.admitUs.toFixed(1), redis.settleUs.toFixed(1)]);
  client.disconnect();
  server.kill();
} else {
  rows.push(['Redis on 127.0.0.1', 'redis-server not installed', '']);
}
for (const row of rows) process.stdout.write(`${row.join(' | ')}\n`);
