// The Kubernetes sidecar's memory settings hold: the real process, started as the image starts it (the
// service's node flags, then the manifest's NODE_OPTIONS) with the manifest's environment, takes more concurrent bodies of BODY_LIMIT_BYTES than MAX_BODY_BYTES_IN_FLIGHT admits,
// on both API families, answers each one (200, or 503 with retry-after), stays up, and peaks below the
// container's memory limit. (Before: with --max-old-space-size=192, 8 concurrent 30 MB requests crashed
// the heap and lost every request in flight; 4 already exceeded the 256 MiB limit.)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { CONFIG_DEFAULTS } from '../../src/config.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { freePort, startService, waitUntilUp } from '../helpers/process.ts';

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Container { name: string; env?: EnvVar[]; resources?: { limits?: Record<string, string> } }

const manifest = parseAllDocuments(readFileSync(new URL('../../docker/k8s/sidecar-deployment.yaml', import.meta.url), 'utf8')).map((doc) => doc.toJS());
const secret = manifest.find((doc) => doc.kind === 'Secret') as { stringData: Record<string, string> };
const sidecar = (manifest.find((doc) => doc.kind === 'Deployment').spec.template.spec.initContainers as Container[]).find((container) => container.name === 'anthropic-proxy')!;
const env: Record<string, string> = Object.fromEntries((sidecar.env ?? []).map((variable) => [variable.name, variable.valueFrom?.secretKeyRef ? secret.stringData[variable.valueFrom.secretKeyRef.key]! : variable.value ?? '']));

/** Kubernetes quantities as the manifest writes them: 512Mi, 1Gi, or bytes. */
function bytesOf(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 ** 3 : match[2] === 'Mi' ? 1024 ** 2 : 1);
}

const memoryLimit = bytesOf(sidecar.resources!.limits!.memory!);
// The image runs node with the service's own flags (package.json config.node_flags) before NODE_OPTIONS.
const nodeFlags = String(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).config?.node_flags ?? '').split(' ').filter(Boolean);
const heapFlag = /--max-old-space-size=(\d+)/.exec(env.NODE_OPTIONS ?? '');
const bodyLimit = Number(env.BODY_LIMIT_BYTES ?? CONFIG_DEFAULTS.BODY_LIMIT_BYTES);
const budget = Number(env.MAX_BODY_BYTES_IN_FLIGHT ?? CONFIG_DEFAULTS.MAX_BODY_BYTES_IN_FLIGHT);
const MB = 1024 * 1024;

t.test('the manifest bounds heap and bodies, and they fit its memory limit', async (t) => {
  t.ok(heapFlag, 'NODE_OPTIONS sets --max-old-space-size');
  t.ok(Number(heapFlag![1]) * MB < memoryLimit, 'the heap below the memory limit');
  t.ok(budget >= bodyLimit, 'the budget takes a body of BODY_LIMIT_BYTES');
  // The sizing rule of docs/operations.md (Memory): about 130 MB idle plus 5 bytes per byte of body held.
  t.ok(130 * MB + 5 * budget <= memoryLimit, `130 MB + 5 x ${budget} bytes within ${memoryLimit}`);
});

t.test('the real process with the manifest settings survives concurrent bodies of BODY_LIMIT_BYTES', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const port = await freePort();
  // The ConfigMap's file is the manifest test's concern (k8s-manifests.test.ts): this process runs on the
  // manifest's environment alone, pointed at the mock.
  const { CONFIG_FILE: _configFile, ...processEnv } = env;
  const service = startService({ ...processEnv, HOST: '127.0.0.1', PORT: String(port), LOG_DIR: '', UPSTREAM_BASE: mock.url, MAX_RETRIES: '0' }, mkdtempSync(join(tmpdir(), 'proxy-sidecar-')), { nodeFlags });
  t.teardown(() => void service.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/healthz`);

  // More than the budget admits at once, half on each API family; each body exactly BODY_LIMIT_BYTES.
  const admitted = Math.floor(budget / bodyLimit);
  const count = admitted + 4;
  const image = (overhead: number) => 'A'.repeat(bodyLimit - overhead);
  const chatEmpty = JSON.stringify({ model: 'glm-4.5', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,' } }] }] });
  const messagesEmpty = JSON.stringify({ model: 'glm-4.5', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: '' } }] }] });
  const chatBody = chatEmpty.replace('base64,', `base64,${image(chatEmpty.length)}`);
  const messagesBody = messagesEmpty.replace('"data":""', `"data":"${image(messagesEmpty.length)}"`);
  t.equal(chatBody.length, bodyLimit);
  t.equal(messagesBody.length, bodyLimit);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${env.PROXY_API_KEYS}` };
  const answers = await Promise.all(Array.from({ length: count }, (_, i) =>
    fetch(`${base}${i % 2 === 0 ? '/v1/chat/completions' : '/v1/messages'}`, { method: 'POST', headers, body: i % 2 === 0 ? chatBody : messagesBody, signal: AbortSignal.timeout(50_000) })
      .then(async (answer) => ({ status: answer.status, retryAfter: answer.headers.get('retry-after'), text: await answer.text() }))
      .catch((error: Error) => ({ status: 0, retryAfter: null, text: String((error.cause as Error | undefined)?.message ?? error.message) }))));

  const statuses = answers.map((answer) => answer.status);
  t.ok(statuses.every((status) => status === 200 || status === 503), `every request answered 200 or 503: ${statuses.join(' ')}`);
  t.ok(statuses.filter((status) => status === 200).length >= 1, 'bodies within the budget are served');
  t.ok(statuses.filter((status) => status === 503).length >= count - admitted, 'the rest refused');
  for (const answer of answers.filter((candidate) => candidate.status === 503)) {
    t.equal(answer.retryAfter, '1', 'with retry-after');
    t.match(answer.text, /MAX_BODY_BYTES_IN_FLIGHT/);
  }
  t.equal((await fetch(`${base}/healthz`)).status, 200, 'the process is still up');
  t.equal(service.child.exitCode, null);
  const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
  const peak = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
  t.ok(peak < memoryLimit, `peak RSS ${Math.round(peak / MB)} MB below the ${Math.round(memoryLimit / MB)} MB limit`);
  service.child.kill('SIGTERM');
  t.equal((await service.exited).code, 0);
});
