// Builds apps for tests: config as data (never process.env), logs captured in memory, real ports on
// 127.0.0.1:0, everything closed in teardown.
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp, type AppDeps } from '../../src/app.ts';
import { configSecrets, loadConfig, type Config } from '../../src/config.ts';
import { environmentTarget, type UpstreamTarget } from '../../src/routing.ts';
import { createLogger } from '../../src/logging.ts';
import { watchOpenAIAnswers } from './openai-conformance.ts';

export interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A Config from variables, with no .env file and no log files unless the test asks for them. */
/** The upstream target of an environment-only configuration with these variables. */
export function targetOf(env: Record<string, string> = {}): UpstreamTarget {
  return environmentTarget(testConfig(env));
}

export function testConfig(env: Record<string, string> = {}): Config {
  // Load shedding is off unless a test asks for it: a busy test machine must not turn into 503s. No usage
  // file (DATA_DIR) unless a test asks for one.
  return loadConfig({ env: { LOG_DIR: '', DATA_DIR: '', LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0', ...env }, dotenvPath: null });
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** Every line the logger wrote to stdout, as text. */
  logs: string[];
}

export async function buildTestApp(t: Teardown, env: Record<string, string> = {}, deps: AppDeps = {}): Promise<TestApp> {
  const config = testConfig(env);
  const logs: string[] = [];
  const logger = createLogger(config, configSecrets(config), { stdout: { write: (line: string) => void logs.push(line) }, syncFiles: true });
  const app = await buildApp(config, { logger, ...deps });
  // Every answer on an OpenAI route is checked against OpenAI's published schemas; a mismatch fails the test.
  const conformance = watchOpenAIAnswers(app);
  t.teardown(async () => {
    await app.close();
    if (conformance.problems.length > 0) throw new Error(`answers that do not match OpenAI's OpenAPI schemas:\n${[...new Set(conformance.problems)].slice(0, 20).join('\n')}`);
  });
  return { app, config, logs };
}

/** Listens on a free loopback port and returns the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}
