// Claude Code (`@anthropic-ai/claude-code`) in print mode, `claude -p`, pointed at the service with
// ANTHROPIC_BASE_URL, in a throwaway HOME and working directory, with telemetry, auto-update and other
// non-essential traffic off (Claude Code's documented environment settings). A plain answer, and a round
// trip with its file-reading tool: the mock model asks for Read on a file in the working directory, checks
// that the file's content came back in the tool_result, and answers with it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { lastToolResults, lastUserText, messageReply, textBlock, toolResultText, toolUseBlock } from '../helpers/anthropic-replies.ts';
import type { MockHandler } from '../helpers/mock-upstream.ts';
import { binPath, checkClientFixture, clientHarness, normaliseRequest, packageVersion, runCli, tempWorkspace, type ClientHarness, type Workspace } from './harness.ts';

const CLIENT = `@anthropic-ai/claude-code@${packageVersion('@anthropic-ai/claude-code')}`;
const RUN_TIMEOUT_MS = 30_000;
const NOTE = 'note.txt';
const SECRET = 'the secret word is pelican';
// What Claude Code builds from its environment (tool list, system prompt) may differ between machines; the
// fixture's shape check covers the rest.
const LOOSE = ['body.tools', 'body.system'];

function claude(harness: ClientHarness, workspace: Workspace, prompt: string) {
  return runCli(binPath('claude'), ['-p', prompt, '--max-turns', '4'], {
    cwd: workspace.cwd,
    timeoutMs: RUN_TIMEOUT_MS,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workspace.home,
      CLAUDE_CONFIG_DIR: join(workspace.home, '.claude'),
      ANTHROPIC_BASE_URL: harness.base,
      ANTHROPIC_API_KEY: harness.apiKey,
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
  });
}

const fixtureOf = (harness: ClientHarness, workspace: Workspace, scenario: string) => ({
  client: CLIENT,
  scenario,
  requests: harness.inbound.requests.map((request) => normaliseRequest(request, { replace: [[workspace.root, '<tmp>']] })),
});

t.test('claude -p answers through the passthrough', async (t) => {
  const workspace = tempWorkspace(t, 'claude-code-');
  const harness = await clientHarness(t, { handler: (request) => messageReply(request, { content: [textBlock('Hi from the mock model.')] }) });
  const run = await claude(harness, workspace, 'say hi');
  t.equal(run.timedOut, false, 'finished in time');
  t.equal(run.code, 0, `exit code (stdout: ${run.stdout.slice(0, 500)} stderr: ${run.stderr.slice(0, 500)})`);
  t.match(run.stdout, /Hi from the mock model\./);
  const sent = harness.inbound.to('/v1/messages');
  t.ok(sent.length >= 1, 'Claude Code sent a Messages request');
  t.equal(sent[0]?.body?.stream, true);
  t.same(harness.mock.requests[0]?.body, sent[0]?.body, 'the body reached the upstream as Claude Code sent it');
  t.equal(harness.mock.requests[0]?.url, sent[0]?.url, 'query string kept');
  checkClientFixture(t, 'claude-code-plain', fixtureOf(harness, workspace, 'claude -p "say hi"'), { loose: LOOSE });
});

t.test('claude -p reads a file with its Read tool and answers with its content', async (t) => {
  const workspace = tempWorkspace(t, 'claude-code-');
  const file = join(workspace.cwd, NOTE);
  writeFileSync(file, `${SECRET}\n`);
  let sawContent = false;
  const handler: MockHandler = (request) => {
    const results = lastToolResults(request.body);
    if (results.length > 0) {
      sawContent = results.some((result) => toolResultText(result).includes(SECRET));
      return messageReply(request, { content: [textBlock(sawContent ? `The note says: ${SECRET}.` : 'The tool result did not carry the file.')] });
    }
    if (lastUserText(request.body).includes(NOTE)) {
      return messageReply(request, { content: [textBlock('Reading it.'), toolUseBlock('toolu_read_1', 'Read', { file_path: file })], stop_reason: 'tool_use' });
    }
    return messageReply(request, { content: [textBlock('Nothing to do.')] });
  };
  const harness = await clientHarness(t, { handler });
  const run = await claude(harness, workspace, `What does ${NOTE} say?`);
  t.equal(run.timedOut, false, 'finished in time');
  t.equal(run.code, 0, `exit code (stdout: ${run.stdout.slice(0, 500)} stderr: ${run.stderr.slice(0, 500)})`);
  t.ok(sawContent, 'the Read tool_result with the file content reached the upstream');
  t.match(run.stdout, SECRET);
  const sent = harness.inbound.to('/v1/messages');
  t.equal(sent.length, 2, 'the tool call, then the answer');
  const toolTurn = sent[1]?.body?.messages?.find((message: any) => Array.isArray(message.content) && message.content.some((block: any) => block.type === 'tool_result'));
  t.ok(toolTurn, 'the second request carries the tool_result');
  t.same(harness.mock.requests.map((request) => request.body), sent.map((request) => request.body), 'both bodies reached the upstream unchanged');
  checkClientFixture(t, 'claude-code-read-tool', fixtureOf(harness, workspace, `claude -p "What does ${NOTE} say?" with a Read round trip`), { loose: LOOSE });
});
