// Codex CLI (`@openai/codex`, the binary its npm package ships) through the service: `codex exec` with a
// custom model provider (wire_api "responses") in a throwaway CODEX_HOME, on 127.0.0.1 only, bounded in time.
// The mock model thinks, calls Codex's exec_command tool, and answers with what the command printed; Codex
// runs the command itself and sends the reasoning back (store:false, include reasoning.encrypted_content).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { lastToolResults, messageReply, textBlock, toolResultText, toolUseBlock } from '../helpers/anthropic-replies.ts';
import type { MockHandler } from '../helpers/mock-upstream.ts';
import { binPath, checkClientFixture, codexConfig, clientHarness, normaliseRequest, packageVersion, runCli, tempWorkspace, translatedRequestProblems } from './harness.ts';
import { STRUCTURED, STRUCTURED_SCHEMA, WEATHER_CITY } from './scenarios.ts';

const CLIENT = `@openai/codex@${packageVersion('@openai/codex')}`;
const CODEX = binPath('codex');
const MARKER = 'codex-ran-this';
const THINKING = { type: 'thinking', thinking: 'I should run the command first.', signature: 'EqQBCkYIBxgCKkB-codex' };
const finalText = (output: string) => `The command printed: ${output.includes(MARKER) ? MARKER : 'nothing'}`;

/** A model for Codex: think, call exec_command, then report what the command printed. */
const codexModel: MockHandler = (request) => {
  const results = lastToolResults(request.body);
  if (results.length === 0) {
    return messageReply(request, { content: [THINKING, textBlock('Running it.'), toolUseBlock('toolu_codex_1', 'exec_command', { cmd: `echo ${MARKER}` })], stop_reason: 'tool_use' });
  }
  return messageReply(request, { content: [textBlock(finalText(toolResultText(results[0])))] });
};

const skip = existsSync(CODEX) ? false : 'the codex binary is not installed';

/** A throwaway CODEX_HOME whose config points Codex at the service, and the environment to run it with. */
function codexWorkspace(t: Parameters<typeof tempWorkspace>[0], harness: Awaited<ReturnType<typeof clientHarness>>) {
  const workspace = tempWorkspace(t, 'codex-');
  const env = codexConfig(workspace.home, { model: 'glm-4.5', baseUrl: harness.openaiBase, key: harness.apiKey });
  return { workspace, exec: (args: string[]) => runCli(CODEX, ['exec', '--skip-git-repo-check', ...args], { cwd: workspace.cwd, env, timeoutMs: 60_000 }) };
}

t.test('codex exec: a tool call Codex runs, then the final answer', { skip }, async (t) => {
  const harness = await clientHarness(t, { handler: codexModel });
  const { workspace, exec } = codexWorkspace(t, harness);
  const run = await exec([`Run: echo ${MARKER}`]);
  t.notOk(run.timedOut, 'finished within the time bound');
  t.equal(run.code, 0, `exit code 0 (stderr: ${run.stderr.slice(-600)})`);
  t.match(run.stdout, finalText(MARKER), 'the final answer, from the command Codex ran');

  const calls = harness.inbound.to('/v1/responses');
  t.equal(calls.length, 2, 'two turns: the tool call, then the answer');
  t.match(calls[0].body, { stream: true, store: false, include: ['reasoning.encrypted_content'] });
  const upstream = harness.mock.requests.map((request) => request.body);
  t.equal(upstream.length, 2);
  const assistant = upstream[1].messages.at(-2);
  t.strictSame(assistant, { role: 'assistant', content: [THINKING, textBlock('Running it.'), toolUseBlock('toolu_codex_1', 'exec_command', { cmd: `echo ${MARKER}` })] }, 'the signed thinking came back through encrypted_content, first in its turn');
  t.match(toolResultText(upstream[1].messages.at(-1).content[0]), MARKER, 'the command output as the tool result');
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-codex-exec', {
    client: CLIENT,
    scenario: 'codex exec with a custom provider: exec_command, then the final answer',
    requests: calls.map((request) => normaliseRequest(request, { replace: [[workspace.root, '<root>']] })),
  }, { loose: ['body.input', 'body.tools', 'body.client_metadata', 'body.prompt_cache_key'] });
});

t.test('codex exec --output-schema: structured output through text.format json_schema', { skip }, async (t) => {
  const forced: MockHandler = (request) => {
    const offered = (request.body.tools ?? []).some((tool: { name?: string }) => tool.name === 'json_tool_call');
    return offered
      ? messageReply(request, { content: [toolUseBlock('toolu_json_1', 'json_tool_call', STRUCTURED)], stop_reason: 'tool_use' })
      : messageReply(request, { content: [textBlock('no schema was offered')] });
  };
  const harness = await clientHarness(t, { handler: forced });
  const { workspace, exec } = codexWorkspace(t, harness);
  writeFileSync(join(workspace.cwd, 'schema.json'), JSON.stringify(STRUCTURED_SCHEMA));
  const run = await exec(['--output-schema', 'schema.json', '-o', 'last.json', `Weather in ${WEATHER_CITY} as JSON`]);
  t.notOk(run.timedOut, 'finished within the time bound');
  t.equal(run.code, 0, `exit code 0 (stderr: ${run.stderr.slice(-600)})`);
  t.strictSame(JSON.parse(readFileSync(join(workspace.cwd, 'last.json'), 'utf8')), STRUCTURED, 'the last message is the structured answer');
  t.match(harness.inbound.requests[0].body.text, { format: { type: 'json_schema', strict: true } });
  t.strictSame(harness.mock.requests[0].body.tool_choice, { type: 'any' }, 'with Codex\'s own tools the model must call one of them or answer in JSON');
});
