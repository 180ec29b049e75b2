// Container health probe without curl: GET http://127.0.0.1:$PORT/healthz, exit 0 on a 200, 1 otherwise.
// 127.0.0.1, not localhost: localhost may resolve to ::1 first while the service listens on IPv4 only.
// Usage: node docker/healthcheck.ts [path]   (runs with Node's type stripping, no build step)
import { request } from 'node:http';

const port = Number(process.env.PORT) || 5000;
const path = process.argv[2] ?? '/healthz';

function fail(reason: string): never {
  process.stderr.write(`healthcheck: ${path}: ${reason}\n`);
  process.exit(1);
}

const probe = request({ host: '127.0.0.1', port, path, timeout: 2000 }, (response) => {
  response.resume();
  if (response.statusCode === 200) process.exit(0);
  fail(`HTTP ${response.statusCode}`);
});
probe.on('timeout', () => probe.destroy(new Error('no answer within 2 s')));
probe.on('error', (error) => fail(error.message));
probe.end();
