// Key and header rules, as pure functions (the same rules apply to every upstream call).
import t from 'tap';
import { clientKeyOf, relayedResponseHeaders, upstreamHeadersFor, upstreamKeyFor } from '../../src/upstream/headers.ts';
import { testConfig } from '../helpers/app.ts';

t.test('client keys: x-api-key wins over Bearer; Bearer becomes x-api-key', async (t) => {
  const config = testConfig({ SERVER_API_KEY: 'server-key' });
  t.same(upstreamKeyFor({ 'x-api-key': 'xk' }, config), { key: 'xk', source: 'client-x-api-key' });
  t.same(upstreamKeyFor({ authorization: 'Bearer bk' }, config), { key: 'bk', source: 'client-bearer' });
  t.same(upstreamKeyFor({ authorization: 'Bearer bk', 'x-api-key': 'xk' }, config), { key: 'xk', source: 'client-x-api-key' });
  t.same(upstreamKeyFor({ authorization: 'Basic abc' }, config), { key: 'server-key', source: 'server' }, 'not a bearer: no client key');
  t.equal(clientKeyOf({ authorization: 'bearer lower' })?.key, 'lower', 'scheme is case-insensitive');
});

t.test('no client key, or FORWARD_CLIENT_KEY=false: SERVER_API_KEY; none at all: no key', async (t) => {
  t.same(upstreamKeyFor({}, testConfig({ SERVER_API_KEY: 'server-key' })), { key: 'server-key', source: 'server' });
  t.same(upstreamKeyFor({ 'x-api-key': 'xk' }, testConfig({ SERVER_API_KEY: 'server-key', FORWARD_CLIENT_KEY: 'false' })), { key: 'server-key', source: 'server' });
  t.same(upstreamKeyFor({ 'x-api-key': 'xk' }, testConfig({ FORWARD_CLIENT_KEY: 'no' })), { key: null, source: 'none' });
  t.same(upstreamKeyFor({}, testConfig()), { key: null, source: 'none' });
});

t.test('with inbound auth the client key is a proxy key and never forwarded', async (t) => {
  const config = testConfig({ PROXY_API_KEYS: 'proxy-key-1', SERVER_API_KEY: 'server-key' });
  t.same(upstreamKeyFor({ 'x-api-key': 'proxy-key-1' }, config), { key: 'server-key', source: 'server' });
  const headers = upstreamHeadersFor({ authorization: 'Bearer proxy-key-1' }, config);
  t.equal(headers['x-api-key'], 'server-key');
  t.notOk(Object.values(headers).includes('proxy-key-1'));
});

t.test('anthropic-version and anthropic-beta rules', async (t) => {
  const plain = testConfig();
  t.equal(upstreamHeadersFor({}, plain)['anthropic-version'], '2023-06-01');
  t.equal(upstreamHeadersFor({ 'anthropic-version': '2024-01-01' }, plain)['anthropic-version'], '2024-01-01');
  t.notOk('anthropic-beta' in upstreamHeadersFor({}, plain), 'no beta unless asked');
  t.equal(upstreamHeadersFor({ 'anthropic-beta': 'tools-x' }, plain)['anthropic-beta'], 'tools-x');
  const forced = testConfig({ FORCE_ANTHROPIC_BETA: 'true', DEFAULT_ANTHROPIC_BETA: 'beta-a,beta-b' });
  t.equal(upstreamHeadersFor({}, forced)['anthropic-beta'], 'beta-a,beta-b');
  t.equal(upstreamHeadersFor({ 'anthropic-beta': 'mine' }, forced)['anthropic-beta'], 'mine', "the client's wins");
  t.equal(upstreamHeadersFor({}, testConfig({ ANTHROPIC_VERSION: '2099-01-01' }))['anthropic-version'], '2099-01-01');
});

t.test('hop-by-hop, host, content-length, cookies and client auth headers are not copied', async (t) => {
  const headers = upstreamHeadersFor({
    host: 'proxy.local',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    'content-length': '123',
    cookie: 'session=1',
    authorization: 'Bearer client-key',
    'proxy-authorization': 'Basic x',
    'x-forwarded-for': '1.2.3.4',
    'user-agent': 'sdk/1.0',
    'anthropic-dangerous-direct-browser-access': 'true',
    'x-stainless-lang': 'js',
  }, testConfig(), { requestId: 'req-1' });
  t.same(headers, {
    'user-agent': 'sdk/1.0',
    'anthropic-dangerous-direct-browser-access': 'true',
    'x-stainless-lang': 'js',
    'content-type': 'application/json',
    'anthropic-version': '2023-06-01',
    'x-api-key': 'client-key',
    'x-request-id': 'req-1',
  });
});

t.test('response headers a client relies on are relayed, others are not', async (t) => {
  t.same(relayedResponseHeaders({
    'request-id': 'req_1',
    'retry-after': '3',
    'anthropic-ratelimit-requests-remaining': '9',
    'set-cookie': 'x',
    connection: 'close',
    'content-length': '10',
  }), { 'request-id': 'req_1', 'retry-after': '3', 'anthropic-ratelimit-requests-remaining': '9' });
});
