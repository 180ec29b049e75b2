import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.ts';

const load = (env: Record<string, string>, dotenvPath: string | null = null) => loadConfig({ env, dotenvPath });

t.test('defaults are exactly the documented ones', async (t) => {
  const config = load({});
  t.equal(config.serverApiKey, '');
  t.equal(config.forwardClientKey, true);
  t.equal(config.forwardCountToUpstream, true);
  t.equal(config.upstreamBase, 'https://api.z.ai/api/anthropic');
  t.same(config.modelMap, {});
  t.same(config.openaiModels, ['glm-4.5', 'glm-4.5v']);
  t.equal(config.autoTextModel, 'glm-4.5');
  t.equal(config.autoVisionModel, 'glm-4.5');
  t.equal(config.forceAnthropicBeta, false);
  t.equal(config.defaultAnthropicBeta, 'prompt-caching-2024-07-31');
  t.equal(config.countShapeCompat, true);
  t.equal(config.host, '0.0.0.0');
  t.equal(config.port, 5000);
  t.equal(config.logLevel, 'info');
  t.equal(config.logDir, 'logs');
  t.equal(config.anthropicVersion, '2023-06-01');
  t.equal(config.defaultMaxTokens, 4096);
  t.equal(config.clientHeadersTimeoutMs, 30_000);
  t.equal(config.clientRequestTimeoutMs, 300_000);
  t.equal(config.maxConnections, 1024);
  t.equal(config.maxBodyBytesInFlight, 128 * 1024 * 1024);
  t.equal(config.promptCache, 'auto');
  t.equal(config.promptCacheTtl, '5m');
  t.ok(Object.isFrozen(config));
});

t.test('booleans accept true/false/1/0/yes/no in any case', async (t) => {
  for (const word of ['true', 'TRUE', '1', 'yes', 'Yes']) t.equal(load({ FORCE_ANTHROPIC_BETA: word }).forceAnthropicBeta, true, word);
  for (const word of ['false', 'False', '0', 'no', 'NO']) t.equal(load({ FORWARD_CLIENT_KEY: word }).forwardClientKey, false, word);
  t.throws(() => load({ FORWARD_CLIENT_KEY: 'maybe' }), /FORWARD_CLIENT_KEY="maybe" is not a boolean.*for example FORWARD_CLIENT_KEY=true/);
});

t.test('bad values stop start-up with one line naming the variable, the problem and an example', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ MODEL_MAP_JSON: '{not json' }, /^MODEL_MAP_JSON="\{not json" is not valid JSON .*for example MODEL_MAP_JSON='\{"gpt-4o":"glm-4.5"/],
    [{ MODEL_MAP_JSON: '["a"]' }, /^MODEL_MAP_JSON=.* is not a JSON object of strings/],
    [{ MODEL_MAP_JSON: '{"a":1}' }, /^MODEL_MAP_JSON=.* maps "a" to a value that is not a non-empty string/],
    [{ OPENAI_MODELS_LIST_JSON: '{"a":"b"}' }, /^OPENAI_MODELS_LIST_JSON=.* is not a JSON array of non-empty strings.*for example/],
    [{ OPENAI_MODELS_LIST_JSON: '[1,2]' }, /^OPENAI_MODELS_LIST_JSON=/],
    [{ PORT: '70000' }, /^PORT="70000" is not a whole number from 0 to 65535; for example PORT=5000$/],
    [{ PORT: 'abc' }, /^PORT="abc" is not a whole number/],
    [{ UPSTREAM_BASE: 'ftp://example.test' }, /^UPSTREAM_BASE="ftp:\/\/example.test" is not an http\(s\) URL; for example UPSTREAM_BASE=https:\/\/api.z.ai\/api\/anthropic$/],
    [{ UPSTREAM_BASE: 'not a url' }, /^UPSTREAM_BASE="not a url" is not a URL/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL="loud" is not a log level .*for example LOG_LEVEL=info$/],
    [{ SHUTDOWN_TIMEOUT_MS: '-1' }, /^SHUTDOWN_TIMEOUT_MS="-1" is not a whole number/],
    [{ METRICS_REQUIRE_AUTH: 'true' }, /^METRICS_REQUIRE_AUTH="true" needs PROXY_API_KEYS .*for example METRICS_REQUIRE_AUTH=true together with PROXY_API_KEYS=/],
    [{ CLIENT_HEADERS_TIMEOUT_MS: '60000', CLIENT_REQUEST_TIMEOUT_MS: '40000' }, /^CLIENT_HEADERS_TIMEOUT_MS="60000" is longer than CLIENT_REQUEST_TIMEOUT_MS \(40000\); for example CLIENT_HEADERS_TIMEOUT_MS=30000$/],
    [{ PROMPT_CACHE: 'always' }, /^PROMPT_CACHE="always" is not one of auto, on, off; for example PROMPT_CACHE=auto$/],
    [{ PROMPT_CACHE_TTL: '10m' }, /^PROMPT_CACHE_TTL="10m" is not one of 5m, 1h; for example PROMPT_CACHE_TTL=5m$/],
    [{ MAX_CONNECTIONS: '0' }, /^MAX_CONNECTIONS="0" is not a whole number from 1 to 1000000/],
    [{ MAX_BODY_BYTES_IN_FLIGHT: '1048576' }, /^MAX_BODY_BYTES_IN_FLIGHT="1048576" is less than BODY_LIMIT_BYTES \(33554432\); for example MAX_BODY_BYTES_IN_FLIGHT=134217728$/],
  ];
  for (const [env, pattern] of cases) {
    const error = t.throws(() => load(env)) as Error;
    t.type(error, ConfigError, JSON.stringify(env));
    t.match(error.message, pattern, JSON.stringify(env));
    t.notMatch(error.message, /\n/, 'one line');
  }
});

t.test('values are parsed and normalised', async (t) => {
  const config = load({
    MODEL_MAP_JSON: '{"gpt-4o":"glm-4.6"}',
    OPENAI_MODELS_LIST_JSON: '["glm-4.6"]',
    UPSTREAM_BASE: 'http://127.0.0.1:9999/base/',
    PORT: '0',
    LOG_LEVEL: 'DEBUG',
    PROXY_API_KEYS: ' a-key-1 , b-key-2,,',
    PROMPT_CACHE: ' OFF ',
    PROMPT_CACHE_TTL: '1h',
  });
  t.equal(config.promptCache, 'off');
  t.equal(config.promptCacheTtl, '1h');
  t.same(config.modelMap, { 'gpt-4o': 'glm-4.6' });
  t.same(config.openaiModels, ['glm-4.6']);
  t.equal(config.upstreamBase, 'http://127.0.0.1:9999/base');
  t.equal(config.port, 0);
  t.equal(config.logLevel, 'debug');
  t.same(config.proxyApiKeys, ['a-key-1', 'b-key-2']);
});

t.test('.env is read and the environment wins over it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-config-'));
  const file = join(dir, '.env');
  writeFileSync(file, 'PORT=6001\nAUTOTEXT_MODEL=glm-4.6\n# a comment\nLOG_LEVEL=warn\n');
  const config = load({ LOG_LEVEL: 'error' }, file);
  t.equal(config.port, 6001);
  t.equal(config.autoTextModel, 'glm-4.6');
  t.equal(config.logLevel, 'error');
  t.equal(load({}, join(dir, 'missing.env')).port, 5000, 'a missing .env file is fine');
});
