// Codex CLI over WebSocket mode with remote compaction in the middle of a session, against the service on a real
// port: `supports_websockets = true` makes Codex open GET /v1/responses with Upgrade (its warm-up is a
// `generate: false` response.create, answered without a model call); `remote_compaction = "v2"` with a tiny
// `model_auto_compact_token_limit` makes it send a compaction_trigger item after the tool call, which the service
// answers with a compaction item; the session then continues from the summary to its final answer.
import t from 'tap';
import { existsSync } from 'node:fs';
import { buildTestApp, listen } from '../helpers/app.ts';
import { messageReply, textBlock, toolUseBlock } from '../helpers/anthropic-replies.ts';
import { MockUpstream, type RecordedRequest } from '../helpers/mock-upstream.ts';
import { COMPACTION_PROMPT, SUMMARY_PREAMBLE } from '../../src/translate/openai-responses/compaction.ts';
import { binPath, codexConfig, runCli, tempWorkspace } from './harness.ts';

const CODEX = binPath('codex');
const skip = existsSync(CODEX) ? false : 'the codex binary is not installed';
const MARKER = 'codex-ws-ran-this';
const SUMMARY = 'The user asked to run an echo; it printed the marker.';
const FINAL = 'All done after the compaction.';

const texts = (request: RecordedRequest): string[] => request.body.messages.flatMap((message: any) =>
  typeof message.content === 'string' ? [message.content] : message.content.filter((block: any) => block.type === 'text').map((block: any) => block.text));
const hasToolResult = (request: RecordedRequest) => request.body.messages.some((message: any) => Array.isArray(message.content) && message.content.some((block: any) => block.type === 'tool_result'));

/** Runs the command once, summarises when asked with the compaction prompt, then answers from the summary. */
function sessionModel(request: RecordedRequest) {
  const said = texts(request);
  if (said.at(-1) === COMPACTION_PROMPT) return messageReply(request, { content: [textBlock(SUMMARY)] });
  if (said.some((text) => text.includes(SUMMARY)) || hasToolResult(request)) return messageReply(request, { content: [textBlock(FINAL)] });
  return messageReply(request, { content: [textBlock('Running it.'), toolUseBlock('toolu_ws_1', 'exec_command', { cmd: `echo ${MARKER}` })], stop_reason: 'tool_use' });
}

t.test('codex exec over WebSocket, with a remote compaction mid-session', { skip }, async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  mock.setHandler(sessionModel);
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0' });
  const base = await listen(app);
  const upgrades: string[] = [];
  app.server.on('upgrade', (request) => upgrades.push(request.url ?? ''));

  const workspace = tempWorkspace(t, 'codex-ws-');
  const env = codexConfig(workspace.home, {
    model: 'glm-4.5',
    baseUrl: `${base}/v1`,
    key: 'sk-codex-ws',
    // Compaction once the usage the service reports passes this many tokens: after the first turn here.
    settings: ['model_auto_compact_token_limit = 10'],
    provider: ['supports_websockets = true'],
    after: ['[model_providers.proxy.capabilities]', 'remote_compaction = "v2"', ''],
  });
  const run = await runCli(CODEX, ['exec', '--skip-git-repo-check', `Run: echo ${MARKER}`], { cwd: workspace.cwd, env, timeoutMs: 60_000 });
  t.notOk(run.timedOut, 'finished within the time bound');
  t.equal(run.code, 0, `exit code 0 (stderr: ${run.stderr.slice(-600)})`);
  t.match(run.stdout, FINAL, 'the final answer, after the compaction');
  t.ok(upgrades.length >= 1 && upgrades.every((url) => url === '/v1/responses'), 'Codex used WebSocket mode');

  const requests = mock.requests;
  t.equal(requests.length, 3, 'the tool call, the compaction, the answer: no model call for the warm-up');
  t.ok(hasToolResult(requests[1]) && texts(requests[1]).at(-1) === COMPACTION_PROMPT, 'the compaction summarised the session, the command output included');
  const after = texts(requests[2]);
  t.ok(after.some((text) => text.startsWith(SUMMARY_PREAMBLE) && text.includes(SUMMARY)), 'the session went on from the summary');
  t.notOk(hasToolResult(requests[2]), 'the compacted history was not sent again');
});
