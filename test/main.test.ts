// The real entry point as a process: configuration errors, serving with defaults, log files, no key in any
// log line, and a clean exit on SIGTERM.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort, startService, waitUntilUp } from './helpers/process.ts';

t.test('a bad MODEL_MAP_JSON stops start-up with one clear line and a non-zero exit', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'proxy-main-'));
  const service = startService({ MODEL_MAP_JSON: '{"gpt-4o": 5}', PORT: String(await freePort()) }, cwd);
  const { code } = await service.exited;
  t.not(code, 0);
  const lines = service.stderr().trim().split('\n');
  t.equal(lines.length, 1, service.stderr());
  t.match(lines[0], /MODEL_MAP_JSON=.*for example MODEL_MAP_JSON=/);
  t.notMatch(service.stderr(), /\bat .*:\d+:\d+/, 'no stack trace');
});

t.test('serves with defaults, writes both log files, leaks no key, exits 0 on SIGTERM', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'proxy-main-'));
  const port = await freePort();
  const serverKey = 'sk-server-SECRET-0123456789';
  const clientKey = 'sk-client-SECRET-9876543210';
  const service = startService({ PORT: String(port), SERVER_API_KEY: serverKey, UPSTREAM_BASE: 'http://127.0.0.1:9' }, cwd);
  t.teardown(() => void service.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/healthz`);

  const auth = { authorization: `Bearer ${clientKey}`, 'x-api-key': clientKey };
  t.equal((await fetch(`${base}/`, { headers: auth })).status, 200);
  t.equal((await fetch(`${base}/v1/models`, { headers: auth })).status, 200);
  t.equal((await fetch(`${base}/openapi.json`)).status, 200);
  const docs = await fetch(`${base}/docs/`);
  t.equal(docs.status, 200);
  t.match(await docs.text(), /swagger/i);
  t.equal((await fetch(`${base}/v1/nope`, { headers: auth })).status, 404);

  service.child.kill('SIGTERM');
  const { code } = await service.exited;
  t.equal(code, 0, 'clean exit');

  const mainLog = readFileSync(join(cwd, 'logs', 'server.log'), 'utf8');
  const errorLog = readFileSync(join(cwd, 'logs', 'server_error.log'), 'utf8');
  t.match(mainLog, /"route":"\/v1\/models".*"status":200/);
  t.match(mainLog, /"route":"\/".*"duration_ms"/);
  t.match(mainLog, /draining/);
  t.equal(errorLog.split('\n').filter((line) => /"level":(30|40)/.test(line)).length, 0, 'error log has no info/warn lines');
  for (const [name, text] of [['stdout', service.stdout()], ['server.log', mainLog], ['server_error.log', errorLog], ['stderr', service.stderr()]]) {
    t.notMatch(text, /SECRET/, `no key in ${name}`);
  }
});
