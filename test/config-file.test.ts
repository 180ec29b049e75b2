// The configuration file's parser (src/config-file.ts) and its place in loadConfig: defaults, ${NAME}
// references, one line per problem naming the path, the published schema and the example it validates.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import t from 'tap';
import { parse } from 'yaml';
import { CONFIG_FILE_SCHEMA } from '../src/config-file-schema.ts';
import { ConfigFileError, formatPath, referencedVariables, routingFromFile, settingsFromFile } from '../src/config-file.ts';
import { ConfigError, configSecrets, loadConfig, readConfigFile } from '../src/config.ts';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'proxy-config-file-'));
const base = loadConfig({ env: { UPSTREAM_CONNECT_TIMEOUT_MS: '1234', MAX_RETRIES: '3' }, dotenvPath: null, cwd: emptyDir() });
const docs = (name: string) => new URL(`../docs/${name}`, import.meta.url);

/** The problems a file has, one line each. */
function problemsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    routingFromFile(text, env, base);
  } catch (error) {
    if (error instanceof ConfigFileError) return [...error.problems];
    throw error;
  }
  throw new Error('the file was accepted');
}

const ISSUE_EXAMPLE = `
upstreams:
  zai:
    base_url: https://api.z.ai/api/anthropic
    profile: zai
    keys:
      - { name: team-a, key: "\${ZAI_KEY_A}", max_in_flight: 2 }
      - { name: team-b, key: "\${ZAI_KEY_B}", max_in_flight: 2 }
  anthropic:
    base_url: https://api.anthropic.com
    profile: anthropic
    keys:
      - { name: main, key: "\${ANTHROPIC_API_KEY}" }
models:
  glm-4.6:
    - { upstream: zai, model: glm-4.6 }
    - { upstream: anthropic, model: claude-sonnet-4-5 }
  opus:
    - { upstream: anthropic, model: claude-opus-4-7 }
`;
const KEYS = { ZAI_KEY_A: 'zai-key-a-0001', ZAI_KEY_B: 'zai-key-b-0002', ANTHROPIC_API_KEY: 'sk-ant-0003' };

t.test("the issue's example: targets in order, keys from the environment, the environment's settings as defaults", async (t) => {
  const table = routingFromFile(ISSUE_EXAMPLE, KEYS, base);
  t.strictSame(table.targets.map((target) => target.name), ['zai', 'anthropic']);
  const [zai, anthropic] = table.targets;
  t.strictSame(zai!.keys, [{ name: 'team-a', value: 'zai-key-a-0001', maxInFlight: 2 }, { name: 'team-b', value: 'zai-key-b-0002', maxInFlight: 2 }]);
  t.strictSame(anthropic!.keys, [{ name: 'main', value: 'sk-ant-0003' }]);
  t.equal(zai!.forwardClientKey, false, 'with keys, the client key stays home');
  t.equal(zai!.baseUrl, 'https://api.z.ai/api/anthropic');
  t.match(zai!.timeouts, { connectMs: 1234, headersMs: base.upstreamHeadersTimeoutMs, streamIdleMs: base.streamIdleTimeoutMs, totalMs: base.upstreamTimeoutMs });
  t.equal(zai!.timeouts.settings.connect, 'UPSTREAM_CONNECT_TIMEOUT_MS');
  t.equal(zai!.maxRetries, 3);
  t.equal(zai!.maxConcurrent, base.maxConcurrentUpstream);
  t.equal(zai!.anthropicVersion, base.anthropicVersion);
  t.strictSame(zai!.queue, { maxWaitMs: 30_000, maxLength: 1000 });
  t.strictSame(zai!.extraHeaders, {});
  t.strictSame({ ...table.models }, {
    'glm-4.6': [{ upstream: 'zai', model: 'glm-4.6', priority: 0, weight: 1 }, { upstream: 'anthropic', model: 'claude-sonnet-4-5', priority: 1, weight: 1 }],
    opus: [{ upstream: 'anthropic', model: 'claude-opus-4-7', priority: 0, weight: 1 }],
  });
});

t.test('every field set: the file wins over the defaults', async (t) => {
  const table = routingFromFile(`
upstreams:
  kimi:
    base_url: https://api.moonshot.ai/anthropic/
    forward_client_key: true
    timeouts: { connect_ms: 5, headers_ms: 6, stream_idle_ms: 7, total_ms: 8 }
    queue: { max_wait_ms: 0, max_length: 3 }
    headers: { X-Team: research }
    max_retries: 0
    max_concurrent: 9
    anthropic_version: 2024-01-01
models:
  k2:
    - { upstream: kimi, model: kimi-k2.5, priority: 5, weight: 2.5, capabilities: { thinking: false } }
`, {}, base);
  const [kimi] = table.targets;
  t.equal(kimi!.profile, 'moonshot', 'from the host when none is named');
  t.equal(kimi!.baseUrl, 'https://api.moonshot.ai/anthropic', 'trailing slash dropped');
  t.equal(kimi!.forwardClientKey, true);
  t.match(kimi!.timeouts, { connectMs: 5, headersMs: 6, streamIdleMs: 7, totalMs: 8 });
  t.equal(kimi!.timeouts.settings.total, 'upstreams.kimi.timeouts.total_ms', 'timeout errors name the file setting');
  t.strictSame(kimi!.queue, { maxWaitMs: 0, maxLength: 3 });
  t.strictSame(kimi!.extraHeaders, { 'x-team': 'research' });
  t.equal(kimi!.maxRetries, 0);
  t.equal(kimi!.maxConcurrent, 9);
  t.equal(kimi!.anthropicVersion, '2024-01-01');
  t.strictSame(table.models.k2, [{ upstream: 'kimi', model: 'kimi-k2.5', priority: 5, weight: 2.5, capabilities: { thinking: false } }]);
});

t.test('no keys: the client key is forwarded, unless PROXY_API_KEYS makes it a proxy key', async (t) => {
  const file = 'upstreams:\n  z:\n    base_url: https://api.z.ai/api/anthropic\n';
  t.equal(routingFromFile(file, {}, base).targets[0]!.forwardClientKey, true);
  const guarded = loadConfig({ env: { PROXY_API_KEYS: 'proxy-key-1' }, dotenvPath: null, cwd: emptyDir() });
  t.equal(routingFromFile(file, {}, guarded).targets[0]!.forwardClientKey, false);
  t.throws(() => routingFromFile(`${file}    forward_client_key: true\n`, {}, guarded), /upstreams\.z\.forward_client_key: cannot be true while PROXY_API_KEYS is set/);
});

t.test('without upstreams the environment is the one upstream, named default, and routes may name it', async (t) => {
  const env = loadConfig({ env: { UPSTREAM_BASE: 'http://127.0.0.1:9/x', SERVER_API_KEY: 'server-key-1' }, dotenvPath: null, cwd: emptyDir() });
  const table = routingFromFile('models:\n  gpt-4o:\n    - { upstream: default, model: glm-4.6 }\nadmin_key: an-admin-key\nprices: {}\n', {}, env);
  t.strictSame(table.targets.map((target) => [target.name, target.baseUrl, target.keys.map((key) => key.value)]), [['default', 'http://127.0.0.1:9/x', ['server-key-1']]]);
  t.strictSame(table.models['gpt-4o'], [{ upstream: 'default', model: 'glm-4.6', priority: 0, weight: 1 }]);
  t.strictSame(routingFromFile('', {}, env).targets.map((target) => target.name), ['default'], 'an empty file');
});

t.test('${NAME}: substituted in values, every missing variable named, $${...} stays literal', async (t) => {
  t.strictSame(referencedVariables('a: ${ONE}\nb: "x-${TWO}-${ONE}"\nc: $${NOT_ME}\n'), ['ONE', 'TWO']);
  const table = routingFromFile('upstreams:\n  z:\n    base_url: "${BASE}/api"\n    headers: { x-note: "$${LITERAL}" }\n', { BASE: 'https://api.z.ai' }, base);
  t.equal(table.targets[0]!.baseUrl, 'https://api.z.ai/api');
  t.strictSame(table.targets[0]!.extraHeaders, { 'x-note': '${LITERAL}' });
  t.strictSame(problemsOf(ISSUE_EXAMPLE, { ZAI_KEY_A: 'a-key-1', ANTHROPIC_API_KEY: '' }), [
    'upstreams.zai.keys[1].key: ${ZAI_KEY_B} is not set in the environment (line 8)',
    'upstreams.anthropic.keys[0].key: ${ANTHROPIC_API_KEY} is set but empty (line 13)',
  ]);
  t.match(problemsOf('admin_key: "${not a name}"\n'), [/admin_key: \$\{not a name\} is not a variable reference/]);
});

t.test('schema problems: one line each, naming the path and the line', async (t) => {
  const problems = problemsOf(`
upstreams:
  zai:
    base_url: ftp://api.z.ai
    profile: zai-coding
    keys:
      - { name: a, key: k1, max_in_flight: 2 }
      - { name: b, key: k2, max_in_flight: 0 }
      - { key: k3 }
    timeouts: { connect_ms: soon }
    base_ur: typo
  "bad name!":
    base_url: https://x.example
models:
  glm-4.6: []
  opus:
    - { upstream: zai, model: m, weight: 0 }
unknown_section: 1
`);
  t.strictSame(problems.toSorted(), [
    'unknown_section: is not a known field (known: upstreams, models, admin_key, client_keys, prices, prompt_cache) (line 18)',
    'models.opus[0].weight: must be > 0 (line 17)',
    'models["glm-4.6"]: must list at least one route (line 15)',
    'upstreams.zai.base_ur: is not a known field (known: base_url, profile, keys, forward_client_key, timeouts, queue, headers, max_retries, max_concurrent, anthropic_version, prompt_cache) (line 11)',
    'upstreams.zai.base_url: is not an http(s) URL (line 4)',
    'upstreams.zai.keys[1].max_in_flight: must be >= 1 (line 8)',
    'upstreams.zai.keys[2].name: is required (line 9)',
    'upstreams.zai.profile: must be one of anthropic, zai, moonshot, deepseek, minimax, qwen, openrouter, generic (line 5)',
    'upstreams.zai.timeouts.connect_ms: must be a whole number (line 10)',
    'upstreams["bad name!"]: is not a valid name (letters, digits, ".", "_" and "-", starting with a letter or digit) (line 12)',
  ].toSorted());
  t.strictSame(problemsOf('- a\n- b\n'), ['(top level): must be an object (line 1)']);
  t.strictSame(problemsOf('upstreams: {}\n'), ['upstreams: must name at least one upstream (line 1)']);
});

t.test('prompt_cache: top level as every upstream\'s default, per upstream, per route; bad values named by path', async (t) => {
  const table = routingFromFile(`
prompt_cache: { ttl: 1h }
upstreams:
  zai: { base_url: https://api.z.ai/api/anthropic, prompt_cache: { mode: off } }
  anthropic: { base_url: https://api.anthropic.com, prompt_cache: { mode: on, ttl: 5m } }
  plain: { base_url: https://gateway.example.test }
models:
  opus:
    - { upstream: anthropic, model: claude-opus-4-7, prompt_cache: { mode: auto } }
    - { upstream: zai, model: glm-4.6 }
`, {}, base);
  t.strictSame(table.targets.map((target) => target.promptCache), [{ ttl: '1h', mode: 'off' }, { ttl: '5m', mode: 'on' }, { ttl: '1h' }]);
  t.strictSame(table.models.opus!.map((route) => route.promptCache), [{ mode: 'auto' }, undefined]);
  t.equal('promptCache' in table.models.opus![1]!, false, 'no field where the file sets none');
  t.strictSame(routingFromFile('upstreams: { a: { base_url: https://a.example } }\n', {}, base).targets[0]!.promptCache, undefined, 'none at all: the environment decides');
  t.strictSame(routingFromFile('prompt_cache: { mode: off }\n', {}, base).targets[0]!.promptCache, { mode: 'off' }, 'the environment\'s one target takes the top level too');

  t.strictSame(problemsOf(`
prompt_cache: { mode: always }
upstreams:
  zai: { base_url: https://api.z.ai, prompt_cache: { ttl: 2h } }
models:
  glm:
    - { upstream: zai, model: glm-4.6, prompt_cache: { mod: off } }
    - { upstream: zai, model: glm-4.6, prompt_cache: off }
`).toSorted(), [
    'models.glm[0].prompt_cache.mod: is not a known field (known: mode, ttl) (line 7)',
    'models.glm[1].prompt_cache: must be an object (line 8)',
    'prompt_cache.mode: must be one of auto, on, off (line 2)',
    'upstreams.zai.prompt_cache.ttl: must be one of 5m, 1h (line 4)',
  ].toSorted());
});

t.test('YAML syntax errors and duplicate keys name the line and column', async (t) => {
  t.match(problemsOf('upstreams:\n  z: [\n'), [/^line \d+, column \d+: .* \(YAML\)$/]);
  t.match(problemsOf('upstreams:\n  z:\n    base_url: https://a.example\n  z:\n    base_url: https://b.example\n'), [/^line 4, column 3: Map keys must be unique/]);
});

t.test('meaning checks: unknown upstreams, duplicate key names and keys, bad URLs, managed headers', async (t) => {
  const problems = problemsOf(`
upstreams:
  zai:
    base_url: https://user:pw@api.z.ai/api/anthropic
    keys:
      - { name: a, key: same-key }
      - { name: a, key: same-key }
    headers: { x-api-key: k, "bad header": v, X-Fine: "two\\nlines" }
  anthropic:
    base_url: "https://"
models:
  glm-4.6:
    - { upstream: zai, model: glm-4.6 }
    - { upstream: anthropc, model: claude-sonnet-4-5 }
`);
  t.strictSame(problems, [
    'upstreams.zai.base_url: must not carry credentials, a query or a fragment (keys go in keys, extra headers in headers) (line 4)',
    'upstreams.zai.keys[1].name: "a" is already the name of keys[0] (line 7)',
    'upstreams.zai.keys[1].key: is the same key as keys[0] (a key is listed once; max_in_flight sets its share) (line 7)',
    'upstreams.zai.headers.x-api-key: is set by the service (keys go in keys, the version in anthropic_version) (line 8)',
    'upstreams.zai.headers["bad header"]: is not a valid header name (line 8)',
    'upstreams.zai.headers.X-Fine: has a line break or NUL in its value (line 8)',
    'upstreams.anthropic.base_url: is not a URL (line 10)',
    'models["glm-4.6"][1].upstream: "anthropc" is not one of the upstreams of this file (zai, anthropic) (line 14)',
  ]);
  t.notMatch(problems.join('\n'), /same-key/, 'no key in any message');
  t.match(problemsOf('models:\n  m:\n    - { upstream: zai, model: x }\n'), [/models\.m\[0\]\.upstream: "zai" is not one of an upstream: without an upstreams section the only one is "default"/]);
});

t.test('formatPath quotes what is not a plain word', async (t) => {
  t.equal(formatPath(['upstreams', 'zai', 'keys', 1, 'max_in_flight']), 'upstreams.zai.keys[1].max_in_flight');
  t.equal(formatPath(['models', 'glm-4.6', 0]), 'models["glm-4.6"][0]');
  t.equal(formatPath([]), '(top level)');
});

t.test('the published schema is the one the service checks, and it is valid draft-07', async (t) => {
  const published = JSON.parse(readFileSync(docs('anthropic-proxy.schema.json'), 'utf8'));
  t.strictSame(published, JSON.parse(JSON.stringify(CONFIG_FILE_SCHEMA)),
    'docs/anthropic-proxy.schema.json differs from src/config-file-schema.ts: regenerate it with\n' +
    `  node -e "import('./src/config-file-schema.ts').then((m) => process.stdout.write(JSON.stringify(m.CONFIG_FILE_SCHEMA, null, 2) + '\\n'))" > docs/anthropic-proxy.schema.json`);
  const ajv = new Ajv({ strict: true, allowUnionTypes: true });
  t.ok(ajv.validateSchema(published), 'a valid draft-07 schema');
});

t.test('the example file names the schema, passes it, and parses into every provider', async (t) => {
  const text = readFileSync(docs('anthropic-proxy.example.yaml'), 'utf8');
  t.equal(text.split('\n')[0], '# yaml-language-server: $schema=./anthropic-proxy.schema.json');
  const env = Object.fromEntries(referencedVariables(text).map((name) => [name, `test-value-of-${name}`]));
  const ajv = new Ajv({ strict: true, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(readFileSync(docs('anthropic-proxy.schema.json'), 'utf8')));
  t.ok(validate(parse(text)), JSON.stringify(validate.errors));
  const table = routingFromFile(text, env, base);
  t.strictSame(table.targets.map((target) => target.profile).toSorted(), ['anthropic', 'deepseek', 'minimax', 'moonshot', 'openrouter', 'qwen', 'zai']);
  for (const target of table.targets) t.equal(target.profile, (parse(text).upstreams[target.name].profile ?? target.profile), `${target.name}: profile as written`);
  t.ok(Object.keys(table.models).length >= 5, 'model routes');
  t.ok(table.targets.every((target) => target.keys.every((key) => key.value.startsWith('test-value-of-'))), 'every key is a ${NAME} reference');
});

t.test('loadConfig: the default file, CONFIG_FILE, and UPSTREAM_BASE / SERVER_API_KEY ignored under upstreams', async (t) => {
  const cwd = emptyDir();
  const none = loadConfig({ env: { SERVER_API_KEY: 'server-key-1' }, dotenvPath: null, cwd });
  t.equal(none.configFile, null);
  t.strictSame(none.routing.targets.map((target) => target.name), ['default']);

  mkdirSync(join(cwd, 'config'));
  writeFileSync(join(cwd, 'config', 'anthropic-proxy.yaml'), 'upstreams:\n  zai:\n    base_url: https://api.z.ai/api/anthropic\n    keys: [{ name: a, key: "${ZAI_KEY}" }]\n');
  t.throws(() => loadConfig({ env: {}, dotenvPath: null, cwd }), new ConfigError(`${join(cwd, 'config', 'anthropic-proxy.yaml')}: upstreams.zai.keys[0].key: \${ZAI_KEY} is not set in the environment (line 4)`));
  const fromCompose = loadConfig({ env: { ZAI_KEY: 'zai-key-1', UPSTREAM_BASE: 'http://127.0.0.1:9', SERVER_API_KEY: 'server-key-1' }, dotenvPath: null, cwd });
  t.equal(fromCompose.configFile, join(cwd, 'config', 'anthropic-proxy.yaml'), 'config/ (the compose mount) when the working directory has none');
  t.strictSame(fromCompose.routing.targets.map((target) => [target.name, target.baseUrl, target.keys.map((key) => key.value)]), [['zai', 'https://api.z.ai/api/anthropic', ['zai-key-1']]], 'UPSTREAM_BASE and SERVER_API_KEY ignored');
  t.ok(configSecrets(fromCompose).includes('zai-key-1'), 'the logger masks the keys of the file');

  writeFileSync(join(cwd, 'anthropic-proxy.yaml'), 'models:\n  gpt-4o: [{ upstream: default, model: glm-4.6 }]\n');
  const fromCwd = loadConfig({ env: { UPSTREAM_BASE: 'http://127.0.0.1:9' }, dotenvPath: null, cwd });
  t.equal(fromCwd.configFile, join(cwd, 'anthropic-proxy.yaml'), 'the working directory first');
  t.strictSame(fromCwd.routing.targets.map((target) => target.baseUrl), ['http://127.0.0.1:9'], 'no upstreams: the environment is the upstream');

  const named = loadConfig({ env: { CONFIG_FILE: 'config/anthropic-proxy.yaml', ZAI_KEY: 'zai-key-2' }, dotenvPath: null, cwd });
  t.equal(named.configFile, join(cwd, 'config', 'anthropic-proxy.yaml'), 'CONFIG_FILE relative to the working directory');
  t.throws(() => loadConfig({ env: { CONFIG_FILE: 'missing.yaml' }, dotenvPath: null, cwd }), { name: 'ConfigError', message: /^CONFIG_FILE="missing\.yaml" names no file \(looked for .*missing\.yaml\)/ });
});

t.test('variables of the file come from .env too, and readConfigFile reads the file again', async (t) => {
  const cwd = emptyDir();
  const file = join(cwd, 'proxy.yaml');
  writeFileSync(join(cwd, '.env'), 'ZAI_KEY=from-dotenv-1\n');
  writeFileSync(file, 'upstreams:\n  zai:\n    base_url: https://api.z.ai/api/anthropic\n    keys: [{ name: a, key: "${ZAI_KEY}" }]\n');
  const options = { env: { CONFIG_FILE: file }, dotenvPath: join(cwd, '.env'), cwd };
  const config = loadConfig(options);
  t.equal(config.routing.targets[0]!.keys[0]!.value, 'from-dotenv-1');
  writeFileSync(file, 'upstreams:\n  kimi:\n    base_url: https://api.moonshot.ai/anthropic\n');
  t.strictSame(readConfigFile(config, options).routing.targets.map((target) => target.name), ['kimi']);
  writeFileSync(file, 'upstreams:\n  kimi:\n    base_url: nope\n    max_retries: -1\n');
  t.throws(() => readConfigFile(config, options), new ConfigError(`${file}: upstreams.kimi.base_url: is not an http(s) URL (line 3)\n${file}: upstreams.kimi.max_retries: must be >= 0 (line 4)`));
});

t.test('client_keys, admin_key and prices: read into the access table, the key kept as its SHA-256 only', async (t) => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const text = `admin_key: "\${ADMIN}"
client_keys:
  app-one:
    key: "\${APP_ONE}"
    models: [glm-4.6, opus]
    expires_at: 2027-06-30T00:00:00Z
    limits: { rpm: 60, tpm: 200000, in_flight: 4, tokens_per_day: 2000000, tokens_per_month: 40000000 }
  batch:
    key_sha256: ${sha('batch-key-0123456789').toUpperCase()}
prices:
  glm-4.6: { input: 0.6, output: 2.2 }
upstreams:
  z:
    base_url: https://api.z.ai/api/anthropic
`;
  const { access, routing } = settingsFromFile(text, { ADMIN: 'the-admin-key-1', APP_ONE: 'app-one-key-0123456789' }, base);
  t.equal(access.adminKey, 'the-admin-key-1');
  t.strictSame(access.clientKeys, [
    { name: 'app-one', sha256: sha('app-one-key-0123456789'), models: ['glm-4.6', 'opus'], expiresAt: Date.UTC(2027, 5, 30), limits: { rpm: 60, tpm: 200000, inFlight: 4, tokensPerDay: 2000000, tokensPerMonth: 40000000 } },
    { name: 'batch', sha256: sha('batch-key-0123456789'), models: null, expiresAt: null, limits: { rpm: undefined, tpm: undefined, inFlight: undefined, tokensPerDay: undefined, tokensPerMonth: undefined } },
  ]);
  t.strictSame({ ...access.prices['glm-4.6'] }, { input: 0.6, output: 2.2, cacheRead: 0, cacheWrite: 0 });
  t.equal(routing.targets[0]!.forwardClientKey, false, 'with client keys no client key goes upstream');
  t.equal(settingsFromFile('client_keys:\n  a:\n    key: "0123456789abcdef"\n', {}, base).routing.targets[0]!.forwardClientKey, false, 'nor to the environment\'s upstream');
});

t.test('client_keys problems: one line each, naming the path and the line', async (t) => {
  const problems = problemsOf(`admin_key: "admin-key-0123456789"
client_keys:
  no-key:
    models: [x]
  both:
    key: "0123456789abcdef-1"
    key_sha256: ${'a'.repeat(64)}
  short:
    key: "short"
  when:
    key: "0123456789abcdef-2"
    expires_at: next tuesday
  twin:
    key: "0123456789abcdef-2"
  admin:
    key: "admin-key-0123456789"
  bad-limits:
    key: "0123456789abcdef-3"
    limits: { rpm: 0, tokens_per_week: 5 }
  bad-hash:
    key_sha256: xyz
prices:
  glm: { input: -1 }
`);
  t.strictSame(problems.sort(), [
    'client_keys.bad-hash.key_sha256: is not a SHA-256 in hex (64 characters 0-9, a-f) (line 21)',
    'client_keys.bad-limits.limits.rpm: must be >= 1 (line 19)',
    'client_keys.bad-limits.limits.tokens_per_week: is not a known field (known: rpm, tpm, in_flight, tokens_per_day, tokens_per_month) (line 19)',
    'client_keys.short.key: must be at least 16 characters (line 9)',
    'prices.glm.input: must be >= 0 (line 23)',
  ].sort());
  t.strictSame(problemsOf(`admin_key: "admin-key-0123456789"
client_keys:
  no-key:
    models: [x]
  both:
    key: "0123456789abcdef-1"
    key_sha256: ${'a'.repeat(64)}
  when:
    key: "0123456789abcdef-2"
    expires_at: next tuesday
  twin:
    key: "0123456789abcdef-2"
  admin:
    key: "admin-key-0123456789"
`), [
    'client_keys.no-key: needs key or key_sha256 (exactly one of them) (line 3)',
    'client_keys.both: needs key or key_sha256 (exactly one of them) (line 5)',
    'client_keys.when.expires_at: is not a date and time (ISO 8601, e.g. 2027-06-30T00:00:00Z) (line 10)',
    'client_keys.twin.key: is the same key as client_keys.when (line 12)',
    'client_keys.admin.key: is the admin_key (the admin key is never a client key) (line 14)',
  ]);
  const guarded = loadConfig({ env: { PROXY_API_KEYS: 'proxy-key-0123456789' }, dotenvPath: null, cwd: emptyDir() });
  t.throws(() => routingFromFile('client_keys:\n  a:\n    key: "proxy-key-0123456789"\n', {}, guarded), /client_keys\.a\.key: is also one of PROXY_API_KEYS/);
});

t.test('REDIS_URL backs the Responses store unless RESPONSES_STORE_URL names another; REDIS_FAIL_MODE and DATA_DIR', async (t) => {
  const config = (env: Record<string, string>) => loadConfig({ env, dotenvPath: null, cwd: emptyDir() });
  t.equal(config({ REDIS_URL: 'redis://r:6379/1' }).responsesStoreUrl, 'redis://r:6379/1');
  t.equal(config({ REDIS_URL: 'redis://r:6379/1', RESPONSES_STORE_URL: 'redis://other:6379' }).responsesStoreUrl, 'redis://other:6379');
  t.equal(config({}).redisFailMode, 'open');
  t.equal(config({}).dataDir, 'data');
  t.throws(() => config({ REDIS_FAIL_MODE: 'maybe' }), /REDIS_FAIL_MODE="maybe" is not one of open, closed/);
  t.throws(() => config({ REDIS_URL: 'http://r' }), /REDIS_URL="http:\/\/r\/?" is not a redis:\/\/ or rediss:\/\/ \(TLS\) URL/);
  t.ok(configSecrets(config({ REDIS_URL: 'redis://:s3cret-pass@r:6379' })).includes('s3cret-pass'), 'its password is masked in logs');
});
