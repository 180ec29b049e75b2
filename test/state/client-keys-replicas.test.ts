// Two service processes (src/main.ts, as deployed) sharing one real redis-server enforce one client key's
// rpm together, and GET /admin/usage reports exactly the upstream's usage over a mixed run (streams,
// aborted streams, upstream errors, 429s), with nothing lost when a replica is stopped and started again.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { messageReply, textBlock } from '../helpers/anthropic-replies.ts';
import { freshMinute } from '../helpers/client-keys.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { freePort, startService, waitUntilUp, type RunningService } from '../helpers/process.ts';
import { RedisServer, redisServerMissing } from '../helpers/redis-server.ts';

const missing = redisServerMissing();
if (missing !== null && !process.env.CI) {
  t.comment(`skipped: ${missing}`);
  process.exit(0);
}

const KEY = 'ck-replicas-0123456789abcdef';
const ADMIN = 'admin-replicas-0123456789';

interface Replica {
  base: string;
  service: RunningService;
}

async function startReplica(t: Test, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const service = startService({ PORT: String(port), LOG_DIR: '', ...env }, mkdtempSync(join(tmpdir(), 'proxy-keys-')));
  t.teardown(() => void service.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/healthz`);
  return { base, service };
}

const send = (replica: Replica, stream: boolean) =>
  fetch(`${replica.base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify({ model: 'glm-4.6', max_tokens: 16, stream, messages: [{ role: 'user', content: 'hi' }] }),
  });

t.test('two replicas, one Redis: one rpm of 10, and usage equal to the upstream\'s over a mixed run and a restart', async (t) => {
  const redis = await RedisServer.start(t);
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  let n = 0;
  const sent = { input: 0, output: 0, read: 0, requests: 0 };
  mock.setHandler((request) => {
    n++;
    sent.requests++;
    if (n % 4 === 0) return { kind: 'json', status: 500, body: { type: 'error', error: { type: 'api_error', message: 'boom' } } };
    const usage = { input_tokens: 20 + n, output_tokens: 2 * n, cache_read_input_tokens: n };
    sent.input += usage.input_tokens;
    sent.output += usage.output_tokens;
    sent.read += usage.cache_read_input_tokens;
    return messageReply(request, { content: [textBlock('an answer of some length')], usage });
  });
  const dir = mkdtempSync(join(tmpdir(), 'proxy-keys-config-'));
  const file = join(dir, 'anthropic-proxy.yaml');
  writeFileSync(file, `admin_key: "${ADMIN}"\nclient_keys:\n  team-a:\n    key: "${KEY}"\n    limits: { rpm: 10 }\n`);
  const env = { UPSTREAM_BASE: mock.url, REDIS_URL: redis.url, CONFIG_FILE: file, MAX_RETRIES: '0', DATA_DIR: '' };
  const a = await startReplica(t, env);
  let b = await startReplica(t, env);

  await freshMinute(25_000);
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const response = await send(i % 2 === 0 ? a : b, i % 3 === 0);
    if (i === 3) {
      // A stream the client leaves at its first bytes.
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
    } else await response.arrayBuffer();
    statuses.push(response.status);
  }
  t.equal(statuses.filter((status) => status === 429).length, 0, 'ten requests within the rpm');
  for (const replica of [a, b]) {
    const refused = await send(replica, false);
    t.equal(refused.status, 429, 'the 11th is refused whichever replica it reaches');
    t.ok(Number(refused.headers.get('retry-after')) >= 1);
    await refused.arrayBuffer();
  }
  t.equal(mock.requests.length, 10, 'refused requests never reached the upstream');

  // B stops (a drain) and starts again: the usage it recorded stays.
  b.service.child.kill('SIGTERM');
  await b.service.exited;
  b = await startReplica(t, env);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const usage = await (await fetch(`${b.base}/admin/usage?group_by=key`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as any;
  t.strictSame(usage.data, [{ key: 'team-a', requests: sent.requests, input_tokens: sent.input, output_tokens: sent.output, cache_read_tokens: sent.read, cache_write_tokens: 0, reasoning_tokens: 0, cost: null }]);
  const forbidden = await fetch(`${a.base}/admin/usage`, { headers: { authorization: `Bearer ${KEY}` } });
  t.equal(forbidden.status, 403, 'a client key gets 403 on the admin API');
});
