// docker/k8s/*.yaml: every document is valid against the Kubernetes schemas (kubernetes-models), and the
// sidecar's probes hit the real routes on the port the service listens on, with the sidecar's own env.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Secret } from 'kubernetes-models/v1/Secret';
import t from 'tap';
import { parseAllDocuments } from 'yaml';
import { CONFIG_DEFAULTS } from '../../src/config.ts';
import { buildTestApp } from '../helpers/app.ts';

const DIR = new URL('../../docker/k8s/', import.meta.url);
// Kubernetes container types, loosely: the schema validation is what checks their shape.
interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Probe { httpGet?: { path: string; port: number | string } }
interface Container {
  name: string;
  image: string;
  restartPolicy?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}
interface Manifest { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown }

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Secret': Secret,
  'apps/v1/Deployment': Deployment,
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

const manifests = loadManifests();
const secrets = manifests.filter(({ doc }) => doc.kind === 'Secret').map(({ doc }) => doc as Manifest & { stringData: Record<string, string> });
const deployment = manifests.find(({ doc }) => doc.kind === 'Deployment')!.doc as Manifest & { spec: { template: { spec: PodSpec } } };
const pod = deployment.spec.template.spec;
const sidecar = (pod.initContainers ?? []).find((container) => container.name === 'anthropic-proxy')!;

/** The sidecar's environment as the container sees it, Secret references resolved from the example Secret. */
function sidecarEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of sidecar.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref) {
      const value = secrets.find((secret) => secret.metadata.name === ref.name)?.stringData?.[ref.key];
      if (value === undefined) throw new Error(`${variable.name}: Secret ${ref.name} has no key ${ref.key}`);
      env[variable.name] = value;
    } else {
      env[variable.name] = variable.value ?? '';
    }
  }
  return env;
}

function probePort(probe: Probe): number {
  const port = probe.httpGet!.port;
  if (typeof port === 'number') return port;
  const named = sidecar.ports?.find((candidate) => candidate.name === port);
  if (!named) throw new Error(`probe port ${port} is not a named port of the sidecar`);
  return named.containerPort;
}

t.test('every manifest is valid against the Kubernetes schemas', async (t) => {
  t.ok(manifests.length >= 2, 'a Secret and a Deployment at least');
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
