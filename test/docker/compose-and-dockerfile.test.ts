// docker-compose.yml, Dockerfile and .dockerignore agree with the service and with each other: every
// configuration variable reaches the container without an env_file (compose v1 fails on a missing .env),
// the container always listens on 5000, the healthcheck is the image's, the grace period outlasts the
// drain, compose builds on every `up`, and the Dockerfile (one build shared by both runtimes) stays buildable
// by the classic builder.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { referencedVariables } from '../../src/config-file.ts';
import { CONFIG_DEFAULTS, DEFAULT_CONFIG_FILES, type EnvName } from '../../src/config.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Record<string, unknown>> };
const service = compose.services['anthropic-proxy']!;
const dockerfile = read('Dockerfile');
const stages = dockerfile.split(/^FROM /m).slice(1);
const runtime = stages.at(-1)!;
const distroless = stages.find((stage) => / AS distroless\n/.test(stage))!;
const BUILDKIT_ONLY = /^#\s*syntax=|--mount=|--chmod=|<<-?\s*['"]?[A-Z]+/m;

function seconds(duration: string): number {
  const match = /^(\d+)(s|m)$/.exec(duration);
  if (!match) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

t.test('compose passes every configuration variable and needs no .env', async (t) => {
  t.notOk('env_file' in service, 'no env_file: docker-compose 1.29 fails when it is missing');
  const entries = service.environment as string[];
  t.ok(Array.isArray(entries), 'environment as a list');
  const names = new Map(entries.map((entry) => [entry.split('=')[0]!, entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : null]));
  for (const name of Object.keys(CONFIG_DEFAULTS) as EnvName[]) t.ok(names.has(name), `${name} is passed to the container`);
  t.equal(names.get('PORT'), '5000', 'the container listens on 5000 whatever PORT chooses on the host');
  t.equal(names.get('HOST'), '0.0.0.0');
  t.same(service.ports, ['${PORT:-5000}:5000']);
});

t.test('compose builds the image from the checkout on every up (never an old image under the shared tag)', async (t) => {
  t.equal(service.pull_policy, 'build');
  const build = service.build as { context: string; args: Record<string, string> };
  t.equal(build.context, '.');
  t.match(build.args, { NODE_IMAGE: '${NODE_IMAGE:-node:24-bookworm-slim}', NODE_DISTROLESS_IMAGE: '${NODE_DISTROLESS_IMAGE:-gcr.io/distroless/nodejs24-debian12}' });
});

t.test('compose: init, restart, logs volume, healthcheck of the image, grace period above the drain', async (t) => {
  t.equal(service.init, true);
  t.equal(service.restart, 'unless-stopped');
  t.ok((service.volumes as string[]).includes('./logs:/app/logs'));
  t.match(runtime, /LOG_DIR=\/app\/logs/, 'the image logs into the mounted folder');
  const healthcheck = service.healthcheck as { test: string[] };
  const imageCheck = /HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])/.exec(runtime)?.[1];
  t.same(healthcheck.test, ['CMD', ...JSON.parse(imageCheck!)], 'same probe as the image HEALTHCHECK');
  t.ok(seconds(service.stop_grace_period as string) * 1000 > Number(CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS) + 5000);
});

t.test('compose mounts ./config read-only where the service looks for its configuration file by default', async (t) => {
  const workdir = /^WORKDIR (\S+)$/m.exec(runtime)?.[1];
  t.equal(workdir, '/app');
  t.ok(DEFAULT_CONFIG_FILES.includes('config/anthropic-proxy.yaml'), 'config/anthropic-proxy.yaml below the working directory is a default');
  const replica = compose.services['gateway-a']!;
  for (const [name, entry] of [['anthropic-proxy', service], ['gateway-a', replica]] as const) {
    // A folder, not the file: compose creates a missing folder, so the service starts without a file.
    t.ok((entry.volumes as string[]).includes('./config:/app/config:ro'), `${name}: ./config mounted read-only`);
    const names = (entry.environment as string[]).map((item) => item.split('=')[0]);
    t.ok(names.includes('CONFIG_FILE'), `${name}: CONFIG_FILE passed (unset: the default)`);
    const example = read('docs/anthropic-proxy.example.yaml');
    for (const variable of referencedVariables(example)) t.ok(names.includes(variable), `${name}: ${variable}, which the example file references, reaches the container`);
  }
  t.match(read('config/README.md'), /anthropic-proxy\.yaml/, 'the folder exists in a checkout (not created by the engine as root)');
});

t.test('Dockerfile: classic-builder syntax, node base as an ARG, node as the non-root user on 5000', async (t) => {
  t.match(dockerfile, /^ARG NODE_IMAGE=node:24-bookworm-slim$/m);
  t.notMatch(dockerfile, BUILDKIT_ONLY, 'no BuildKit-only syntax');
  t.match(stages[0]!, /npm ci --omit=dev/);
  t.match(stages[1]!, /^deps AS shipped/, 'a trimmed copy of the production tree is what ships');
  t.match(stages[2]!, /RUN npm run build/);
  t.match(runtime, /COPY --from=shipped \/app\/node_modules/);
  t.match(runtime, /^USER node$/m);
  t.match(runtime, /^EXPOSE 5000$/m);
  t.match(runtime, /NODE_ENV=production/);
  t.match(runtime, /^CMD \["node", "dist\/main\.js"\]$/m, 'node directly, not npm');
});

t.test('both runtimes take the node flags from package.json through node-options.env', async (t) => {
  t.match(stages[2]!, /require\('\.\/package\.json'\)\.config\.node_flags" > \/out\/node-options\.env/, 'written by the build from package.json');
  for (const stage of [runtime, distroless]) t.match(stage, /^COPY --from=build \/out\/node-options\.env \.\/$/m);
  t.match(runtime, /^ENTRYPOINT \["\/bin\/sh", "\/app\/docker\/entrypoint\.sh"\]$/m, 'the entrypoint puts them in front of NODE_OPTIONS');
  t.match(read('docker/entrypoint.sh'), /<\/app\/node-options\.env/);
  t.match(distroless, /^ENTRYPOINT \["\/nodejs\/bin\/node", "--env-file=\/app\/node-options\.env"\]$/m, 'no shell: node reads them itself');
  t.match(distroless, /^CMD \["dist\/main\.js"\]$/m);
});

t.test('both runtimes set the service environment of package.json (config.service_env) in their ENV', async (t) => {
  const pairs = String(JSON.parse(read('package.json')).config.service_env).split(' ').filter(Boolean);
  t.ok(pairs.length > 0, 'package.json names the environment');
  for (const stage of [runtime, distroless]) {
    const env = stage.split('\n').filter((line) => line.startsWith('ENV ')).flatMap((line) => line.slice(4).split(' '));
    for (const pair of pairs) t.ok(env.includes(pair), `${pair} in ${stage.split('\n')[0]}`);
  }
});

t.test('.dockerignore keeps node_modules, logs, .env, .git and tests out of the context', async (t) => {
  const lines = read('.dockerignore').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  t.equal(lines[0], '*', 'an allowlist: everything is excluded first');
  const reincluded = lines.filter((line) => line.startsWith('!'));
  for (const kept of ['node_modules', 'logs', '.env', '.git', 'test']) {
    t.notOk(reincluded.some((line) => line === `!${kept}` || line.startsWith(`!${kept}/`)), `${kept} stays out`);
  }
});

t.test('the distroless runtime is a target of the same Dockerfile: one dependency and build stage for both', async (t) => {
  t.equal(stages.filter((stage) => /^\$\{NODE_IMAGE\} AS deps\n/.test(stage)).length, 1, 'one dependency stage');
  t.equal(stages.filter((stage) => /RUN npm run build/.test(stage)).length, 1, 'one build stage');
  t.match(distroless, /^\$\{NODE_DISTROLESS_IMAGE\} AS distroless/);
  t.match(dockerfile, /^ARG NODE_DISTROLESS_IMAGE=gcr\.io\/distroless\/nodejs24-debian12$/m);
  t.match(distroless, /^COPY --from=shipped \/app\/node_modules/m);
  t.match(distroless, /^COPY --from=build \/app\/dist/m);
  t.match(distroless, /^USER 65532:65532$/m);
  t.match(runtime, /^\$\{NODE_IMAGE\} AS runtime/, 'the default runtime is last: `docker build .` builds it');
});
