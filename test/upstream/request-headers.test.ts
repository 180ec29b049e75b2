// The headers of every upstream call, as a pure function.
import t from 'tap';
import { upstreamHeadersFor } from '../../src/upstream/request-headers.ts';
import { targetOf } from '../helpers/app.ts';

t.test('anthropic-version and anthropic-beta rules', async (t) => {
  const plain = targetOf();
  t.equal(upstreamHeadersFor({}, plain)['anthropic-version'], '2023-06-01');
  t.equal(upstreamHeadersFor({ 'anthropic-version': '2024-01-01' }, plain)['anthropic-version'], '2024-01-01');
  t.notOk('anthropic-beta' in upstreamHeadersFor({}, plain), 'no beta unless asked');
  t.equal(upstreamHeadersFor({ 'anthropic-beta': 'tools-x' }, plain)['anthropic-beta'], 'tools-x');
  const forced = targetOf({ FORCE_ANTHROPIC_BETA: 'true', DEFAULT_ANTHROPIC_BETA: 'beta-a,beta-b' });
  t.equal(upstreamHeadersFor({}, forced)['anthropic-beta'], 'beta-a,beta-b');
  t.equal(upstreamHeadersFor({ 'anthropic-beta': 'mine' }, forced)['anthropic-beta'], 'mine', "the client's wins");
  t.equal(upstreamHeadersFor({}, targetOf({ ANTHROPIC_VERSION: '2099-01-01' }))['anthropic-version'], '2099-01-01');
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
  }, targetOf(), { requestId: 'req-1' });
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
