// Records the two sessions the prompt-cache test replays: a real @openai/agents run (chat completions) and a
// real `codex exec` run (Responses), each 20 turns through the service, with the request bodies the service
// received written to test/fixtures/prompt-cache/. Run it again after a client upgrade:
//   node test/prompt-cache/record-sessions.ts
import { Agent, OpenAIChatCompletionsModel, Runner, setTracingDisabled, tool } from '@openai/agents';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { z } from 'zod';
import { binPath, clientHarness, packageVersion, runCli, tempWorkspace, type ClientHarness } from '../clients/harness.ts';
import { AGENT_INSTRUCTIONS, FIXTURE_DIR, TURNS, sourceFile, toolEveryTurn } from './sessions.ts';
import { writeSession } from './session-fixture.ts';

const cleanups: Array<() => unknown> = [];
const t = { teardown: (fn: () => unknown) => void cleanups.push(fn) };

async function recordAgentsSdk(): Promise<void> {
  setTracingDisabled(true);
  const harness = await clientHarness(t, { handler: toolEveryTurn('read_file', (turn) => ({ path: `src/module-${turn}.ts` })) });
  const client = new OpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey, maxRetries: 0 });
  const model = new OpenAIChatCompletionsModel(client, 'claude-sonnet-4-5');
  const readFile = tool({
    name: 'read_file',
    description: 'Reads a file of the repository and returns its text.',
    parameters: z.object({ path: z.string() }),
    execute: async ({ path }) => sourceFile(Number(/(\d+)/.exec(path)?.[1] ?? 0)),
  });
  const listDir = tool({ name: 'list_dir', description: 'Lists a folder of the repository.', parameters: z.object({ path: z.string() }), execute: async () => 'src/' });
  const agent = new Agent({ name: 'Reviewer', instructions: AGENT_INSTRUCTIONS, model, tools: [readFile, listDir] });
  const result = await new Runner({ tracingDisabled: true }).run(agent, 'Review the request handling modules of src/ one by one.', { maxTurns: TURNS + 2 });
  console.log('agents sdk:', String(result.finalOutput));
  save(harness, 'agents-sdk-20-turns', `@openai/agents@${packageVersion('@openai/agents')} (chat completions)`, []);
}

async function recordCodex(): Promise<void> {
  const harness = await clientHarness(t, { handler: toolEveryTurn('exec_command', (turn) => ({ cmd: `cat module-${turn}.ts` }), true) });
  const workspace = tempWorkspace(t, 'codex-');
  for (let turn = 1; turn < TURNS; turn++) writeFileSync(join(workspace.cwd, `module-${turn}.ts`), sourceFile(turn));
  writeFileSync(join(workspace.home, 'config.toml'), [
    'model = "claude-sonnet-4-5"', 'model_provider = "proxy"', 'approval_policy = "never"', 'sandbox_mode = "danger-full-access"',
    'check_for_update_on_startup = false', '', '[analytics]', 'enabled = false', '', '[features]', 'plugins = false', '',
    '[model_providers.proxy]', 'name = "anthropic-proxy"', `base_url = "${harness.openaiBase}"`, 'wire_api = "responses"',
    'env_key = "PROXY_TEST_KEY"', 'request_max_retries = 0', 'stream_max_retries = 0', '',
  ].join('\n'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workspace.home, CODEX_HOME: workspace.home, PROXY_TEST_KEY: harness.apiKey, NO_COLOR: '1' };
  const run = await runCli(binPath('codex'), ['exec', '--skip-git-repo-check', 'Review module-1.ts to module-19.ts one by one with cat.'], { cwd: workspace.cwd, env, timeoutMs: 180_000 });
  console.log('codex:', run.code, run.stdout.slice(-200), run.stderr.slice(-400));
  save(harness, 'codex-20-turns', `@openai/codex@${packageVersion('@openai/codex')}`, [[workspace.root, '<root>']]);
}

/** The bodies exactly as received (keys travel in headers, which are not kept), temporary paths replaced. */
function save(harness: ClientHarness, name: string, client: string, replace: Array<[string, string]>): void {
  const requests = harness.inbound.requests.filter((request) => request.method === 'POST').map((request) => {
    let text = JSON.stringify(request.body);
    for (const [literal, placeholder] of replace) text = text.split(literal).join(placeholder);
    return { path: request.path, body: JSON.parse(text) };
  });
  mkdirSync(FIXTURE_DIR, { recursive: true });
  writeSession(name, { client, requests });
  console.log(`${name}: ${requests.length} requests`);
}

try {
  await recordAgentsSdk();
  await recordCodex();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
