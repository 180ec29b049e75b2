// The floor of this project's stack, for the benchmark: fastify + undici with none of the service's features.
// One route, POST /v1/messages: the body goes upstream as the buffer it came in as (no JSON parse), through one
// keep-alive undici Pool with `pool.request`, and the answer comes back with its status and content type: a
// whole answer as one buffer with its length, a stream piped as it arrives. No logging, hooks, validation,
// metrics, request ids, timeouts, retries, key or header rules, drain or disconnect tracking. Whatever the
// service costs above this, per request, is the cost of its features.
//
// Usage: node scripts/bench/bare-relay.ts <upstream origin> [port]   (prints `{"port":N}` once listening)
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const [origin, portArg] = process.argv.slice(2);
if (!origin) {
  process.stderr.write('usage: node scripts/bench/bare-relay.ts <upstream origin> [port]\n');
  process.exit(2);
}

// The service's pool settings (MAX_CONCURRENT_UPSTREAM's default, one request per connection).
const pool = new Pool(origin, { connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
const app = Fastify({ logger: false, bodyLimit: 33_554_432 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

app.post('/v1/messages', async (request, reply) => {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'anthropic-version': text(request.headers['anthropic-version']) ?? '2023-06-01' };
  const key = text(request.headers['x-api-key']);
  if (key) headers['x-api-key'] = key;
  const upstream = await pool.request({ path: '/v1/messages', method: 'POST', headers, body: request.body as Buffer });
  const type = text(upstream.headers['content-type']) ?? 'application/json';
  reply.code(upstream.statusCode).header('content-type', type);
  if (type.startsWith('text/event-stream')) return reply.send(upstream.body);
  return reply.send(Buffer.from(await upstream.body.arrayBuffer()));
});

await app.listen({ host: '127.0.0.1', port: Number(portArg ?? 0) });
process.stdout.write(`${JSON.stringify({ port: (app.server.address() as AddressInfo).port })}\n`);
const stop = () => void app.close().then(() => pool.close()).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
