// Which key the client presented and which key goes upstream, as pure functions (the same rules for every upstream call).
import t from 'tap';
import { clientKeyOf, upstreamKeyFor } from '../../src/upstream/client-key.ts';
import { upstreamHeadersFor } from '../../src/upstream/request-headers.ts';
import { targetOf } from '../helpers/app.ts';

t.test('client keys: x-api-key wins over Bearer; Bearer becomes x-api-key', async (t) => {
  const config = targetOf({ SERVER_API_KEY: 'server-key' });
  t.same(upstreamKeyFor({ 'x-api-key': 'xk' }, config), { key: 'xk', source: 'client-x-api-key' });
  t.same(upstreamKeyFor({ authorization: 'Bearer bk' }, config), { key: 'bk', source: 'client-bearer' });
  t.same(upstreamKeyFor({ authorization: 'Bearer bk', 'x-api-key': 'xk' }, config), { key: 'xk', source: 'client-x-api-key' });
  t.same(upstreamKeyFor({ authorization: 'Basic abc' }, config), { key: 'server-key', source: 'server', name: 'server' }, 'not a bearer: no client key');
  t.equal(clientKeyOf({ authorization: 'bearer lower' })?.key, 'lower', 'scheme is case-insensitive');
});

t.test('no client key, or FORWARD_CLIENT_KEY=false: SERVER_API_KEY; none at all: no key', async (t) => {
  t.same(upstreamKeyFor({}, targetOf({ SERVER_API_KEY: 'server-key' })), { key: 'server-key', source: 'server', name: 'server' });
  t.same(upstreamKeyFor({ 'x-api-key': 'xk' }, targetOf({ SERVER_API_KEY: 'server-key', FORWARD_CLIENT_KEY: 'false' })), { key: 'server-key', source: 'server', name: 'server' });
  t.same(upstreamKeyFor({ 'x-api-key': 'xk' }, targetOf({ FORWARD_CLIENT_KEY: 'no' })), { key: null, source: 'none' });
  t.same(upstreamKeyFor({}, targetOf()), { key: null, source: 'none' });
});

t.test('with inbound auth the client key is a proxy key and never forwarded', async (t) => {
  const config = targetOf({ PROXY_API_KEYS: 'proxy-key-1', SERVER_API_KEY: 'server-key' });
  t.same(upstreamKeyFor({ 'x-api-key': 'proxy-key-1' }, config), { key: 'server-key', source: 'server', name: 'server' });
  const headers = upstreamHeadersFor({ authorization: 'Bearer proxy-key-1' }, config);
  t.equal(headers['x-api-key'], 'server-key');
  t.notOk(Object.values(headers).includes('proxy-key-1'));
});
