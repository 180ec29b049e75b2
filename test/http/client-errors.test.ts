// Requests Node's HTTP parser rejects get the service's error shape for the path they were aimed at, a
// request id and a closed connection (before: Fastify's own `{"error":"Bad Request","message":"Client
// Error"}`), on real sockets with the bytes a broken or hostile client sends.
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { rawExchange } from '../helpers/raw-http.ts';

t.test('parser-level errors: 400 or 431 in the route shape, with a request id, connection closed', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url });
  const port = Number(new URL(await listen(app)).port);
  const cases: Array<{ name: string; send: string; status: number; family: 'openai' | 'anthropic'; message: RegExp }> = [
    {
      name: 'an invalid chunk size',
      send: 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      status: 400,
      family: 'anthropic',
      message: /^The request is not valid HTTP: Invalid character in chunk size$/,
    },
    {
      name: 'Content-Length with Transfer-Encoding (request smuggling)',
      send: 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      status: 400,
      family: 'openai',
      message: /^The request is not valid HTTP: Transfer-Encoding can't be present with Content-Length$/,
    },
    {
      name: 'two Content-Length headers that disagree',
      send: 'POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      status: 400,
      family: 'anthropic',
      message: /^The request is not valid HTTP: /,
    },
    {
      name: 'headers larger than Node takes',
      send: `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`,
      status: 431,
      family: 'openai',
      message: /^The request headers are larger than the proxy accepts/,
    },
    { name: 'not HTTP at all', send: 'HELLO THERE\r\n\r\n', status: 400, family: 'openai', message: /^The request is not valid HTTP: / },
  ];
  for (const { name, send, status, family, message } of cases) {
    const exchange = await rawExchange(port, { send, timeoutMs: 5000 });
    t.equal(exchange.status, status, `${name}: ${status}`);
    const body = JSON.parse(exchange.body);
    if (family === 'anthropic') {
      t.match(body, { type: 'error', error: { type: 'invalid_request_error', message } }, `${name}: Anthropic shape`);
    } else {
      t.match(body, { error: { message, type: 'invalid_request_error', param: null, code: status === 431 ? 'headers_too_large' : 'invalid_http' } }, `${name}: OpenAI shape`);
    }
    t.equal(exchange.headers['content-type'], 'application/json; charset=utf-8');
    t.equal(Number(exchange.headers['content-length']), Buffer.byteLength(exchange.body));
    t.equal(exchange.headers.connection, 'close');
    const id = exchange.headers['x-request-id'];
    t.match(id, /^[0-9a-f-]{36}$/, `${name}: a request id`);
    t.match(logs.join(''), new RegExp(`"reqId":"${id}","status":${status}`), `${name}: logged with it`);
  }
  t.equal(mock.requests.length, 0, 'nothing reached the upstream');
});
