// No key ever reaches a log line (stdout or files), whatever happens to the request; access lines carry
// the model and upstream status of proxied calls.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { secretMasker } from '../../src/logging.ts';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicErrorBody } from '../helpers/mock-upstream.ts';

t.test('keys never appear in stdout, server.log or server_error.log', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const logDir = mkdtempSync(join(tmpdir(), 'proxy-logs-'));
  const serverKey = 'sk-SERVERSECRET-1234567890';
  const clientKey = 'sk-CLIENTSECRET-0987654321';
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, LOG_DIR: logDir, LOG_LEVEL: 'trace', SERVER_API_KEY: serverKey, MAX_RETRIES: '0' });
  const base = await listen(app);
  const body = JSON.stringify({ model: 'glm-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  const post = (headers: Record<string, string>) => fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  await post({ authorization: `Bearer ${clientKey}` });
  await post({ 'x-api-key': clientKey });
  await post({});
  mock.enqueue({ kind: 'json', status: 401, body: anthropicErrorBody('authentication_error', `invalid key ${clientKey}`) });
  await post({ 'x-api-key': clientKey });
  mock.enqueue({ kind: 'destroy' });
  await post({ 'x-api-key': clientKey });
  await fetch(`${base}/v1/nothing`, { headers: { authorization: `Bearer ${clientKey}` } });
  await app.close();

  const files = ['server.log', 'server_error.log'].map((name) => readFileSync(join(logDir, name), 'utf8'));
  const everything = [logs.join(''), ...files].join('\n');
  t.notMatch(everything, /SERVERSECRET|CLIENTSECRET/, 'no key in any log output');
  t.match(files[0], /"route":"\/v1\/messages".*"status":200.*"model":"glm-4.5","upstream_status":200/);
  t.match(files[0], /"upstream_status":401/);
  t.match(files[1], /"status":502/, 'the failed call is in the error log');
  t.notMatch(files[1], /"level":30/, 'no info lines in the error log');
});

t.test('the masker hides configured secrets and bearer tokens anywhere in a line', async (t) => {
  const mask = secretMasker(['server-secret-key', 'a.b*c']);
  t.equal(mask('{"msg":"x server-secret-key y"}'), '{"msg":"x [REDACTED] y"}');
  t.equal(mask('literal a.b*c here'), 'literal [REDACTED] here', 'regex characters are escaped');
  t.equal(mask('Authorization: Bearer abc.DEF-123'), 'Authorization: [REDACTED]');
});
