// The upstream response headers relayed to every client.
import t from 'tap';
import { relayedResponseHeaders } from '../../src/upstream/response-headers.ts';

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
