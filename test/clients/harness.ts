// The client-compatibility harness: the real app on 127.0.0.1:0 in front of the mock Anthropic upstream, with
// a recording tap between the client and the service, so a test drives a real client package and can look
// at both what the client sent (`inbound`) and what reached the upstream (`mock.requests`).
//
//   client ──> tap (records) ──> service (buildApp) ──> mock upstream (answers in Anthropic's wire format)
//
// Also: reading and refreshing the fixtures of what each client really sends (test/fixtures/clients/).
import type { FastifyInstance } from 'fastify';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, Agent, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTestApp, listen } from '../helpers/app.ts';
import { anthropicRequestProblems } from '../helpers/anthropic-request-rules.ts';
import { MockUpstream, type MockHandler } from '../helpers/mock-upstream.ts';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** The key every client is given; fixtures show it as `<key>`. */
export const CLIENT_KEY = 'sk-client-compat-key';
/** The fixed clock of chat completions' `created`. */
export const NOW_MS = 1_700_000_000_000;

/** A request as the client sent it to the service. */
export interface InboundRequest {
  method: string;
  /** Path with the query string. */
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A transparent HTTP proxy that keeps a copy of every request a client makes. */
export class RecordingTap {
  readonly requests: InboundRequest[] = [];
  url = '';
  private readonly agent = new Agent({ keepAlive: true });
  private readonly server: Server;
  private readonly target: URL;

  private constructor(server: Server, target: URL) {
    this.server = server;
    this.target = target;
  }

  static async start(target: string): Promise<RecordingTap> {
    let tap!: RecordingTap;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        let body: unknown = null;
        try {
          body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : null;
        } catch {
          body = raw.toString('utf8');
        }
        const url = req.url ?? '/';
        tap.requests.push({ method: req.method ?? '', url, path: url.split('?')[0], headers: req.headers, body });
        const headers = { ...req.headers, host: tap.target.host, 'content-length': String(raw.length) };
        delete headers['transfer-encoding'];
        delete headers.connection;
        const forwarded = httpRequest({ host: tap.target.hostname, port: tap.target.port, method: req.method, path: url, headers, agent: tap.agent }, (answer) => {
          const back = { ...answer.headers };
          delete back.connection;
          delete back['keep-alive'];
          delete back['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, back);
          res.flushHeaders();
          answer.pipe(res);
        });
        forwarded.on('error', () => res.destroy());
        res.on('close', () => {
          if (!res.writableFinished) forwarded.destroy();
        });
        forwarded.end(raw);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    tap = new RecordingTap(server, new URL(target));
    tap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return tap;
  }

  /** The body of the last request (what the client sent, parsed). */
  lastBody(): any {
    const last = this.requests.at(-1);
    if (!last) throw new Error('no client request was recorded');
    return last.body;
  }

  /** The recorded requests to one path (e.g. `/v1/chat/completions`). */
  to(path: string): InboundRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}

export interface ClientHarnessOptions {
  /** Service configuration on top of the harness's own (UPSTREAM_BASE, no retries). */
  env?: Record<string, string>;
  /** How the mock upstream answers (default: a plain text message, streamed when asked). */
  handler?: MockHandler;
}

export interface ClientHarness {
  app: FastifyInstance;
  mock: MockUpstream;
  /** Client requests as the service received them. */
  inbound: RecordingTap;
  /** Base URL for Anthropic-native clients (they add `/v1/...`). */
  base: string;
  /** Base URL for OpenAI clients (`<base>/v1`). */
  openaiBase: string;
  apiKey: string;
  logs: string[];
}

/**
 * Why Anthropic would refuse what the service sent upstream for translated routes (empty: it would take
 * every request). Passthrough requests carry the client's own body and are not judged here.
 */
export function translatedRequestProblems(harness: Pick<ClientHarness, 'mock' | 'inbound'>): string[] {
  const translated = harness.inbound.requests.some((request) => request.path !== '/v1/messages' && request.path !== '/v1/messages/count_tokens');
  if (!translated) return [];
  // Token counts (count_tokens) have no max_tokens and rules of their own; the Messages requests are judged.
  return harness.mock.requests.flatMap((request, i) =>
    request.path.endsWith('/v1/messages') ? anthropicRequestProblems(request.body).map((problem) => `upstream request ${i}: ${problem}`) : [],
  );
}

export async function clientHarness(t: Teardown, options: ClientHarnessOptions = {}): Promise<ClientHarness> {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  if (options.handler) mock.setHandler(options.handler);
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...options.env }, { chatCompletions: { now: () => NOW_MS } });
  const service = await listen(app);
  const inbound = await RecordingTap.start(service);
  t.teardown(() => inbound.close());
  return { app, mock, inbound, base: inbound.url, openaiBase: `${inbound.url}/v1`, apiKey: CLIENT_KEY, logs };
}

// ---- command-line clients ----------------------------------------------------------------------------------

/** A client's executable in node_modules/.bin. */
export function binPath(name: string): string {
  return new URL(`../../node_modules/.bin/${name}`, import.meta.url).pathname;
}

export interface Workspace {
  /** The throwaway home directory (the CLI's configuration goes here). */
  home: string;
  /** The directory the CLI runs in. */
  cwd: string;
  /** Their common parent, for fixtures to replace. */
  root: string;
}

/** A temporary HOME and working directory, removed in teardown. */
export function tempWorkspace(t: Teardown, prefix = 'client-'): Workspace {
  // realpath: on some systems the temp directory is a symlink and the CLI reports the resolved path.
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  const home = join(root, 'home');
  const cwd = join(root, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  return { home, cwd, root };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command with exactly the given environment (nothing inherited), killed after `timeoutMs`. */
export async function runCli(command: string, args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<CliRun> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  return { code, signal, stdout, stderr, timedOut };
}

// ---- fixtures of what clients send ------------------------------------------------------------------------

const FIXTURE_DIR = new URL('../fixtures/clients/', import.meta.url);

/** Headers a fixture keeps (the rest is transport detail); values normalised by `normaliseHeader`. */
const RECORDED_HEADERS = /^(content-type|accept|authorization|x-api-key|anthropic-.*|x-stainless-.*|user-agent|x-app|openai-.*|x-claude-code-.*)$/;

export interface NormaliseOptions {
  /** Literal strings replaced by a placeholder, e.g. a temporary directory → `<cwd>`. */
  replace?: Array<[string, string]>;
}

/** Longer texts (system prompts, tool descriptions) are cut in fixtures: their length says enough. */
const MAX_FIXTURE_STRING = 600;

function normaliseString(text: string, options: NormaliseOptions): string {
  let out = text;
  for (const [literal, placeholder] of options.replace ?? []) out = out.split(literal).join(placeholder);
  if (out.length > MAX_FIXTURE_STRING) out = `${out.slice(0, MAX_FIXTURE_STRING)}…<${out.length - MAX_FIXTURE_STRING} more characters>`;
  return out.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>').replace(/\b[0-9a-f]{64}\b/g, '<sha256>');
}

function normaliseHeader(name: string, value: string, options: NormaliseOptions): string {
  if (name === 'authorization') return value.replace(/^(Bearer\s+).*/i, '$1<key>');
  if (name === 'x-api-key') return '<key>';
  if (/^x-stainless-(os|arch|runtime-version|package-version|timeout|retry-count)$/.test(name)) return '<volatile>';
  return normaliseString(value, options).replace(/\b\d+\.\d+\.\d+(-[\w.]+)?\b/g, '<version>');
}

function normaliseValue(value: unknown, options: NormaliseOptions): unknown {
  // Dates in texts are today's (a system prompt's "today is ..."); in headers they are API versions and stay.
  if (typeof value === 'string') return normaliseString(value, options).replace(/\b\d{4}-\d{2}-\d{2}\b/g, '<date>');
  if (Array.isArray(value)) return value.map((item) => normaliseValue(item, options));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normaliseValue(item, options)]));
  }
  return value;
}

export interface RecordedClientRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: any;
}

/** A recorded request with keys, versions, ids, dates and the given literals replaced by placeholders. */
export function normaliseRequest(request: InboundRequest, options: NormaliseOptions = {}): RecordedClientRequest {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(request.headers).sort()) {
    const value = request.headers[name];
    if (!RECORDED_HEADERS.test(name) || value === undefined) continue;
    headers[name] = normaliseHeader(name, Array.isArray(value) ? value.join(', ') : value, options);
  }
  return { method: request.method, url: normaliseString(request.url, options), headers, body: normaliseValue(request.body, options) };
}

export interface ClientFixture {
  /** The client package and the version that made the recording. */
  client: string;
  scenario: string;
  requests: RecordedClientRequest[];
}

export function fixturePath(name: string): URL {
  return new URL(`${name}.json`, FIXTURE_DIR);
}

export function readClientFixture(name: string): ClientFixture {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as ClientFixture;
}

/** The installed version of a package, for the fixture's `client` field. */
export function packageVersion(name: string): string {
  const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/**
 * The JSON shape of a value: object keys and value types, array items by position. Two recordings of the same
 * client doing the same thing have the same shape even where texts, ids and numbers differ. Paths listed in
 * `loose` (dotted, e.g. `body.tools`) only keep their type: parts a client builds from its environment.
 */
export function shapeOf(value: unknown, loose: readonly string[] = [], path = ''): unknown {
  if (value === null) return 'null';
  if (loose.includes(path)) return Array.isArray(value) ? 'array' : typeof value;
  if (Array.isArray(value)) return value.map((item, index) => shapeOf(item, loose, `${path}[${index}]`));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object).sort().map((key) => [key, shapeOf((value as Record<string, unknown>)[key], loose, path ? `${path}.${key}` : key)]),
    );
  }
  return typeof value;
}

interface Assert {
  same(found: any, wanted: any, message: string): boolean;
  ok(value: any, message: string): boolean;
}

/**
 * Compares what a client sent now with its fixture by shape (the unit tests rely on those shapes). With
 * UPDATE_CLIENT_FIXTURES=1 in the environment the fixture is (re)written from this run instead.
 */
export function checkClientFixture(t: Assert, name: string, fixture: ClientFixture, options: { loose?: string[] } = {}): void {
  const file = fixturePath(name);
  if (process.env.UPDATE_CLIENT_FIXTURES === '1') {
    mkdirSync(FIXTURE_DIR, { recursive: true });
    writeFileSync(file, `${JSON.stringify(fixture, null, 2)}\n`);
    t.ok(true, `fixture ${name} written`);
    return;
  }
  t.ok(existsSync(file), `test/fixtures/clients/${name}.json exists (record it with UPDATE_CLIENT_FIXTURES=1)`);
  if (!existsSync(file)) return;
  const stored = readClientFixture(name);
  const shapes = (requests: RecordedClientRequest[]) => requests.map((request) => shapeOf(request, options.loose));
  t.same(
    shapes(fixture.requests),
    shapes(stored.requests),
    `${fixture.client} sends what test/fixtures/clients/${name}.json records (re-record with UPDATE_CLIENT_FIXTURES=1 after a client upgrade)`,
  );
}

/**
 * A Codex CLI config.toml in `home` pointing Codex at the service as a custom Responses provider, with nothing
 * else contacted (no analytics, no plugin sync, no update check) and no sandbox (the tests' commands are echoes
 * in a temporary directory); `settings` and `provider` add lines to the top level and to the provider.
 * Returns the environment to run Codex with.
 */
export function codexConfig(home: string, options: { model: string; baseUrl: string; key: string; settings?: string[]; provider?: string[]; after?: string[] }): Record<string, string> {
  writeFileSync(join(home, 'config.toml'), [
    `model = "${options.model}"`,
    'model_provider = "proxy"',
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    'check_for_update_on_startup = false',
    ...(options.settings ?? []),
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[features]',
    'plugins = false',
    '',
    '[model_providers.proxy]',
    'name = "anthropic-proxy"',
    `base_url = "${options.baseUrl}"`,
    'wire_api = "responses"',
    'env_key = "PROXY_TEST_KEY"',
    ...(options.provider ?? []),
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    ...(options.after ?? []),
  ].join('\n'));
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, CODEX_HOME: home, PROXY_TEST_KEY: options.key, NO_COLOR: '1' };
}
