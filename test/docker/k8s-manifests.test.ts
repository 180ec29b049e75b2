// docker/k8s/*.yaml: every document is valid against the Kubernetes schemas (kubernetes-models), and the
// sidecar's probes hit the real routes on the port the service listens on, with the sidecar's own env.
// The gateway (gateway.yaml): its Service, autoscaler, disruption budget, Redis and network policy agree
// with its Deployment; its environment passes the service's own config check; its probes answer on the
// real app; the Redis arguments start a real redis-server that the proxy's store finds bounded.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { referencedVariables, routingFromFile } from '../../src/config-file.ts';
import { CONFIG_DEFAULTS, configSecrets, loadConfig } from '../../src/config.ts';
import { buildTestApp } from '../helpers/app.ts';
import { RedisServer, redisServerMissing } from '../helpers/redis-server.ts';

const DIR = new URL('../../docker/k8s/', import.meta.url);
// Kubernetes container types, loosely: the schema validation is what checks their shape.
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Probe { timeoutSeconds?: number; httpGet?: { path: string; port: number | string }; tcpSocket?: { port: number | string }; exec?: { command: string[] } }
interface Container {
  name: string;
  image: string;
  restartPolicy?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  args?: string[];
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; emptyDir?: object; configMap?: { name: string } }[];
}
interface Manifest { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown }

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

function loadManifests(): { file: string; doc: Manifest }[] {
  const files = readdirSync(DIR).filter((name) => /\.ya?ml$/.test(name));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8')).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
      return { file, doc: document.toJS() as Manifest };
    }),
  );
}

function validate(doc: Manifest): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema wired for ${doc.apiVersion} ${doc.kind}: add it to MODELS`);
  new Model(doc as never).validate();
}

type DeploymentDoc = Manifest & { spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };

const manifests = loadManifests();
const secrets = manifests.filter(({ doc }) => doc.kind === 'Secret').map(({ doc }) => doc as Manifest & { stringData: Record<string, string> });
const documentsOf = (file: string, kind: string) => manifests.filter((entry) => entry.file === file && entry.doc.kind === kind).map(({ doc }) => doc);
const deployment = documentsOf('sidecar-deployment.yaml', 'Deployment')[0] as DeploymentDoc;
const GATEWAY = 'gateway.yaml';
const pod = deployment.spec.template.spec;
const sidecar = (pod.initContainers ?? []).find((container) => container.name === 'anthropic-proxy')!;

/**
 * A container's environment as it sees it: Secret references resolved from the example Secrets, and
 * $(NAME) references to variables defined before it expanded, as Kubernetes does. A CONFIG_FILE inside a
 * mounted ConfigMap points at a copy of that ConfigMap's files in a temporary folder, as the pod would see it.
 */
function containerEnv(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) {
      const value = secrets.find((secret) => secret.metadata.name === ref.name)?.stringData?.[ref.key];
      if (value === undefined) throw new Error(`${variable.name}: Secret ${ref.name} has no key ${ref.key}`);
      env[variable.name] = value;
    } else {
      env[variable.name] = (variable.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
    }
  }
  const mounted = env.CONFIG_FILE ? configMapMountOf(container, env.CONFIG_FILE) : null;
  if (mounted) env.CONFIG_FILE = join(materialized(mounted.configMap), env.CONFIG_FILE!.slice(mounted.mountPath.length));
  return env;
}

/** The ConfigMap volume mounted (whole) at the folder holding `path` in this container's pod, or null. */
function configMapMountOf(container: Container, path: string): { mountPath: string; configMap: Manifest & { data: Record<string, string> } } | null {
  const pod = manifests.map(({ doc }) => doc as DeploymentDoc).find((doc) => doc.kind === 'Deployment' && [...(doc.spec.template.spec.initContainers ?? []), ...doc.spec.template.spec.containers].includes(container));
  for (const mount of container.volumeMounts ?? []) {
    if (!path.startsWith(`${mount.mountPath}/`)) continue;
    const volume = pod?.spec.template.spec.volumes?.find((candidate) => candidate.name === mount.name);
    const configMap = manifests.find(({ doc }) => doc.kind === 'ConfigMap' && doc.metadata.name === volume?.configMap?.name)?.doc;
    if (configMap) return { mountPath: mount.mountPath, configMap: configMap as Manifest & { data: Record<string, string> } };
  }
  return null;
}

const copies = new Map<string, string>();
function materialized(configMap: Manifest & { data: Record<string, string> }): string {
  let dir = copies.get(configMap.metadata.name);
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'proxy-configmap-'));
    for (const [file, text] of Object.entries(configMap.data)) writeFileSync(join(dir, file), text);
    copies.set(configMap.metadata.name, dir);
  }
  return dir;
}

const sidecarEnv = () => containerEnv(sidecar);

function probePort(probe: Probe): number {
  const port = probe.httpGet!.port;
  if (typeof port === 'number') return port;
  const named = sidecar.ports?.find((candidate) => candidate.name === port);
  if (!named) throw new Error(`probe port ${port} is not a named port of the sidecar`);
  return named.containerPort;
}

t.test('every manifest is valid against the Kubernetes schemas', async (t) => {
  t.ok(manifests.length >= 2, 'a Secret and a Deployment at least');
  t.ok(documentsOf(GATEWAY, 'Deployment').length === 2 && documentsOf(GATEWAY, 'Service').length === 2, 'the gateway and its Redis');
  for (const { file, doc } of manifests) {
    t.doesNotThrow(() => validate(doc), `${file}: ${doc.kind} ${doc.metadata.name}`);
  }
});

t.test('the schema check is live: a wrong type in the Deployment is rejected', async (t) => {
  const broken = structuredClone(deployment);
  broken.spec.template.spec.initContainers![0]!.ports![0]!.containerPort = '5000' as never;
  t.throws(() => validate(broken), /containerPort must be integer/);
});

t.test('the proxy is a native sidecar of an application container, hardened and bounded', async (t) => {
  t.ok(sidecar, 'an init container named anthropic-proxy');
  t.equal(sidecar.restartPolicy, 'Always', 'native sidecar form');
  t.ok(pod.containers.length >= 1, 'next to an application container');
  t.ok(pod.securityContext?.runAsNonRoot ?? sidecar.securityContext?.runAsNonRoot, 'runAsNonRoot');
  t.equal(sidecar.securityContext?.readOnlyRootFilesystem, true);
  t.equal(sidecar.securityContext?.allowPrivilegeEscalation, false);
  const logDir = sidecarEnv().LOG_DIR ?? CONFIG_DEFAULTS.LOG_DIR;
  const mounted = (sidecar.volumeMounts ?? []).some((mount) => logDir !== '' && (mount.mountPath === logDir || mount.mountPath === `/app/${logDir}`));
  t.ok(logDir === '' || mounted, `LOG_DIR is empty (stdout) or a mounted volume on a read-only root (got ${JSON.stringify(logDir)})`);
  t.ok(sidecar.resources?.requests?.cpu && sidecar.resources?.requests?.memory && sidecar.resources?.limits?.memory, 'resources');
  const env = sidecarEnv();
  t.ok(env.SERVER_API_KEY, 'SERVER_API_KEY comes from the Secret');
  t.ok(sidecar.env!.find((variable) => variable.name === 'SERVER_API_KEY')!.valueFrom?.secretKeyRef, 'by reference, not inline');
  const drainMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS);
  t.ok((pod.terminationGracePeriodSeconds ?? 30) * 1000 > drainMs + 5000, 'grace period above the drain, with margin');
});

t.test('probe ports are the port the service listens on, and the app uses it over localhost', async (t) => {
  const port = Number(sidecarEnv().PORT ?? CONFIG_DEFAULTS.PORT);
  t.equal(sidecar.ports?.[0]?.containerPort, port, 'containerPort = PORT');
  for (const probe of [sidecar.startupProbe, sidecar.livenessProbe, sidecar.readinessProbe]) {
    t.ok(probe?.httpGet, 'an HTTP probe');
    t.equal(probePort(probe!), port);
  }
  const app = pod.containers[0]!;
  const baseUrl = app.env?.find((variable) => variable.name === 'OPENAI_BASE_URL')?.value;
  t.equal(baseUrl, `http://127.0.0.1:${port}/v1`);
});

t.test('probe paths answer 200 on the real app built with the sidecar env; readiness turns 503 on drain', async (t) => {
  t.equal(sidecar.livenessProbe!.httpGet!.path, '/healthz');
  t.equal(sidecar.readinessProbe!.httpGet!.path, '/readyz');
  const { app } = await buildTestApp(t, { ...sidecarEnv(), LOG_DIR: '' });
  for (const [name, probe] of Object.entries({ startup: sidecar.startupProbe, liveness: sidecar.livenessProbe, readiness: sidecar.readinessProbe })) {
    const response = await app.inject({ method: 'GET', url: probe!.httpGet!.path });
    t.equal(response.statusCode, 200, `${name} probe ${probe!.httpGet!.path}`);
  }
  app.lifecycle.draining = true;
  t.equal((await app.inject({ method: 'GET', url: sidecar.readinessProbe!.httpGet!.path })).statusCode, 503, 'not ready while draining');
  t.equal((await app.inject({ method: 'GET', url: sidecar.livenessProbe!.httpGet!.path })).statusCode, 200, 'still alive while draining');
});

// ---- the gateway: gateway.yaml ----

const [gateway, redisDeployment] = ['anthropic-proxy-gateway', 'anthropic-proxy-redis'].map((name) =>
  documentsOf(GATEWAY, 'Deployment').find((doc) => doc.metadata.name === name) as DeploymentDoc);
const gatewayPod = gateway!.spec.template.spec;
const proxy = gatewayPod.containers.find((container) => container.name === 'anthropic-proxy')!;
const redisContainer = redisDeployment!.spec.template.spec.containers[0]!;
type ServiceDoc = Manifest & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: number | string }[] } };
const serviceNamed = (name: string) => documentsOf(GATEWAY, 'Service').find((doc) => doc.metadata.name === name) as ServiceDoc;

/** The container port a Service's targetPort or a probe's port names. */
function portOf(container: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  const named = container.ports?.find((candidate) => candidate.name === port);
  if (!named) throw new Error(`${port} is not a named port of ${container.name}`);
  return named.containerPort;
}

/** labels match the selector: every selector label is on the pod. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

function argValue(args: string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

/** Kubernetes quantities and Redis sizes in bytes (Mi/Gi; mb/gb as Redis reads them: 1024-based). */
function bytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi|mb|gb)$/i.exec(quantity);
  if (!match) throw new Error(`unsupported size ${quantity}`);
  return Number(match[1]) * 1024 ** (/^g/i.test(match[2]!) ? 3 : 2);
}

t.test('gateway: several replicas behind a Service, spread over nodes, rolled without losing capacity', async (t) => {
  const labels = gateway!.spec.template.metadata.labels;
  t.ok((gateway!.spec.replicas ?? 1) >= 2, 'several replicas');
  t.ok(selects(gateway!.spec.selector.matchLabels, labels), 'the Deployment selects its own pods');
  const service = serviceNamed('anthropic-proxy-gateway');
  t.ok(selects(service.spec.selector, labels), 'the Service selects the replicas');
  t.equal(portOf(proxy, service.spec.ports[0]!.targetPort), Number(containerEnv(proxy).PORT), 'and reaches the port they listen on');
  const strategy = (gateway!.spec as { strategy?: { rollingUpdate?: { maxUnavailable?: number } } }).strategy;
  t.equal(strategy?.rollingUpdate?.maxUnavailable, 0, 'a rollout never goes below the current count');
  t.ok((gatewayPod as { topologySpreadConstraints?: unknown[] }).topologySpreadConstraints?.length, 'spread over nodes');
});

t.test('gateway: an HPA on CPU over the Deployment, a disruption budget that keeps most replicas up', async (t) => {
  const [hpa] = documentsOf(GATEWAY, 'HorizontalPodAutoscaler') as (Manifest & { spec: any })[];
  t.match(hpa!.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: gateway!.metadata.name });
  t.match(hpa!.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }]);
  t.ok(hpa!.spec.minReplicas >= 2 && hpa!.spec.maxReplicas > hpa!.spec.minReplicas);
  t.equal(gateway!.spec.replicas, hpa!.spec.minReplicas, 'the Deployment starts at the HPA minimum');
  t.ok(proxy.resources?.requests?.cpu, 'a CPU request, which Utilization is measured against');
  t.notOk(proxy.resources?.limits?.cpu, 'no CPU limit (throttling stalls every stream of the pod)');
  t.ok(proxy.resources?.requests?.memory && proxy.resources?.limits?.memory);
  const heap = /--max-old-space-size=(\d+)/.exec(containerEnv(proxy).NODE_OPTIONS ?? '')?.[1];
  t.ok(heap && Number(heap) * 1024 * 1024 < bytes(proxy.resources!.limits!.memory!) * 0.8, 'the heap bound leaves room under the memory limit');
  const [pdb] = documentsOf(GATEWAY, 'PodDisruptionBudget') as (Manifest & { spec: { maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } })[];
  t.ok(selects(pdb!.spec.selector.matchLabels, gateway!.spec.template.metadata.labels), 'the budget covers the replicas');
  t.ok(pdb!.spec.maxUnavailable !== undefined && pdb!.spec.maxUnavailable < hpa!.spec.minReplicas, 'and leaves some running');
});

t.test('gateway: the grace period covers preStop, the drain and the flush', async (t) => {
  const preStopMs = (proxy.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  t.ok(preStopMs > 0, 'a preStop pause while the endpoints are updated');
  const drainMs = Number(containerEnv(proxy).SHUTDOWN_TIMEOUT_MS ?? CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS);
  t.ok((gatewayPod.terminationGracePeriodSeconds ?? 30) * 1000 >= preStopMs + drainMs + 5000);
  t.equal(proxy.securityContext?.readOnlyRootFilesystem, true);
  t.equal(containerEnv(proxy).LOG_DIR, '', 'stdout only on a read-only root');
});

t.test('gateway: the store URL passes the config check and names the Redis Service, with the password Redis requires', async (t) => {
  const env = containerEnv(proxy);
  const config = loadConfig({ env, dotenvPath: null });
  const url = new URL(config.responsesStoreUrl);
  const redisService = serviceNamed(url.hostname);
  t.ok(redisService, `a Service named ${url.hostname}`);
  t.equal(Number(url.port), redisService.spec.ports[0]!.port, 'on its port');
  t.ok(selects(redisService.spec.selector, redisDeployment!.spec.template.metadata.labels), 'which selects the Redis pod');
  t.equal(portOf(redisContainer, redisService.spec.ports[0]!.targetPort), 6379);
  const requirepass = argValue(redisContainer.args ?? [], '--requirepass')!.replace(/\$\(([A-Z_]+)\)/g, (_whole, name: string) => containerEnv(redisContainer)[name] ?? '');
  t.equal(decodeURIComponent(url.password), requirepass, 'the password Redis is started with');
  // /readyz waits for Redis at most min(RESPONSES_STORE_TIMEOUT_MS, 1 s).
  t.ok(Math.min(config.responsesStoreTimeoutMs, 1000) < (proxy.readinessProbe!.timeoutSeconds ?? 1) * 1000, 'the store check fits in the readiness probe timeout');
  t.ok(configSecrets(config).includes(requirepass), 'and the logger masks it');
});

t.test('gateway: Redis is bounded, evicts least recently used responses, and only the replicas reach it', async (t) => {
  const args = redisContainer.args ?? [];
  t.equal(argValue(args, '--maxmemory-policy'), 'volatile-lru', 'every key the proxy writes has a TTL');
  const maxmemory = bytes(argValue(args, '--maxmemory')!);
  t.ok(maxmemory < bytes(redisContainer.resources!.limits!.memory!) * 0.8, 'maxmemory leaves room under the memory limit');
  t.equal((redisDeployment!.spec as { strategy?: { type: string } }).strategy?.type, 'Recreate', 'never two on one data set');
  t.equal(redisContainer.securityContext?.readOnlyRootFilesystem, true);
  t.ok(redisContainer.volumeMounts?.some((mount) => mount.mountPath === argValue(args, '--dir')), 'its --dir is a volume');
  const [policy] = documentsOf(GATEWAY, 'NetworkPolicy') as (Manifest & { spec: any })[];
  t.ok(selects(policy!.spec.podSelector.matchLabels, redisDeployment!.spec.template.metadata.labels), 'the policy guards Redis');
  t.ok(selects(policy!.spec.ingress[0].from[0].podSelector.matchLabels, gateway!.spec.template.metadata.labels), 'and lets the replicas in');
  t.equal(policy!.spec.ingress[0].ports[0].port, 6379);
});

t.test('gateway: the Redis arguments start a real redis-server that the proxy\'s store uses without a warning', { skip: redisServerMissing() !== null && !process.env.CI ? redisServerMissing()! : false }, async (t) => {
  const env = containerEnv(redisContainer);
  const args = (redisContainer.args ?? []).map((arg) => arg.replace(/\$\(([A-Z_]+)\)/g, (_whole, name: string) => env[name] ?? ''));
  const at = args.indexOf('--dir');
  args.splice(at, 2); // the test server's own temporary folder instead of /data
  const redis = await RedisServer.start(t, { args });
  const password = argValue(args, '--requirepass')!;
  const url = redis.url.replace('redis://', `redis://:${password}@`);
  const { app, logs } = await buildTestApp(t, { ...containerEnv(proxy), LOG_DIR: '', LOG_LEVEL: 'debug', RESPONSES_STORE_URL: url, REDIS_URL: url });
  let ready: any;
  for (let i = 0; i < 100; i++) {
    ready = (await app.inject({ method: 'GET', url: '/readyz' })).json();
    if (ready.responses_store?.status === 'up' && ready.client_limits?.status === 'up') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.strictSame({ status: ready.status, responses_store: ready.responses_store, client_limits: ready.client_limits }, { status: 'ready', responses_store: { kind: 'redis', status: 'up' }, client_limits: { kind: 'redis', status: 'up', fail_mode: 'open' } });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.ok(logs.some((line) => /"msg":"responses store \(Redis\) connected"/.test(line)));
  t.notOk(logs.some((line) => /no size bound/.test(line)), 'maxmemory and its policy are what the store asks for');
});

t.test('gateway: probes answer on the real app with its environment; a Redis outage leaves it ready', async (t) => {
  // Nothing listens on port 1: the store is down, as when Redis is unreachable.
  const { app } = await buildTestApp(t, { ...containerEnv(proxy), LOG_DIR: '', RESPONSES_STORE_URL: 'redis://127.0.0.1:1/0', RESPONSES_STORE_TIMEOUT_MS: '200' });
  for (const [name, probe] of Object.entries({ startup: proxy.startupProbe, liveness: proxy.livenessProbe, readiness: proxy.readinessProbe })) {
    t.equal(portOf(proxy, probe!.httpGet!.port), Number(containerEnv(proxy).PORT), `${name} probe port`);
    const response = await app.inject({ method: 'GET', url: probe!.httpGet!.path });
    t.equal(response.statusCode, 200, `${name} probe ${probe!.httpGet!.path}`);
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
  const ready = await app.inject({ method: 'GET', url: proxy.readinessProbe!.httpGet!.path });
  t.match(ready.json(), { status: 'ready', responses_store: { kind: 'redis', status: 'down' } });
  app.lifecycle.draining = true;
  t.equal((await app.inject({ method: 'GET', url: proxy.readinessProbe!.httpGet!.path })).statusCode, 503, 'not ready while draining');
});

t.test('sidecar and gateway: the configuration file comes from a ConfigMap mounted as a folder, and it loads', async (t) => {
  for (const [name, container] of [['sidecar', sidecar], ['gateway', proxy]] as const) {
    const declared = container.env?.find((variable) => variable.name === 'CONFIG_FILE')?.value;
    t.ok(declared, `${name}: CONFIG_FILE is set`);
    const mounted = configMapMountOf(container, declared!);
    t.ok(mounted, `${name}: CONFIG_FILE is inside a mounted ConfigMap`);
    const mount = container.volumeMounts!.find((candidate) => candidate.mountPath === mounted!.mountPath)!;
    t.notOk(mount.subPath, `${name}: mounted whole (a subPath mount never sees the ConfigMap's updates)`);
    t.equal(mount.readOnly, true, `${name}: read-only`);
    const fileName = declared!.slice(mounted!.mountPath.length + 1);
    const text = mounted!.configMap.data[fileName];
    t.ok(text, `${name}: the ConfigMap holds ${fileName}`);
    const env = containerEnv(container);
    const config = loadConfig({ env, dotenvPath: null });
    t.equal(config.configFile, env.CONFIG_FILE, `${name}: the service reads it`);
    t.ok(Object.keys(config.routing.models).length > 0, `${name}: model routes from the file`);
    t.strictSame(routingFromFile(text!, env, config), config.routing, `${name}: the file parses with the container's environment`);
    t.ok(referencedVariables(text!).every((variable) => variable in env), `${name}: every variable it references is set`);
  }
});
