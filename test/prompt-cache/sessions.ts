// The two 20-turn agent sessions the prompt-cache measurement replays (docs/prompt-caching.md): what the
// mock model does while they are recorded, and where the recordings live. Each session is 19 tool calls and
// a final answer: the shape of a coding agent reading its way through a task.
import { lastToolResults, messageReply, textBlock, toolUseBlock } from '../helpers/anthropic-replies.ts';
import type { MockHandler } from '../helpers/mock-upstream.ts';

export const TURNS = 20;
export const FIXTURE_DIR = new URL('../fixtures/prompt-cache/', import.meta.url);

/** The number of tool results so far: the turn being asked for is that plus one. */
function toolResultsSoFar(body: any): number {
  let count = 0;
  for (const message of body?.messages ?? []) for (const block of Array.isArray(message.content) ? message.content : []) if (block?.type === 'tool_result') count++;
  return count;
}

/** A model that calls `tool` with `input(turn)` until the last turn, then answers. */
export function toolEveryTurn(tool: string, input: (turn: number) => Record<string, unknown>, thinking = false): MockHandler {
  return (request) => {
    const done = toolResultsSoFar(request.body);
    if (done >= TURNS - 1) return messageReply(request, { content: [textBlock(`Done after ${done} steps: ${lastToolResults(request.body).length} result(s) in the last one.`)] });
    const turn = done + 1;
    const content = [textBlock(`Step ${turn}: looking at the next part.`), toolUseBlock(`toolu_step_${turn}`, tool, input(turn))];
    if (thinking) content.unshift({ type: 'thinking', thinking: `Step ${turn} needs the next file.`, signature: `sig-step-${turn}` });
    return messageReply(request, { content, stop_reason: 'tool_use' });
  };
}

/** What a source file the agents read looks like: about 1,500 characters of code. */
export function sourceFile(turn: number): string {
  const lines = [`// module ${turn}: request handling, part ${turn} of ${TURNS}`, `import { helper${turn} } from './helpers-${turn}.ts';`, ''];
  for (let i = 0; i < 24; i++) lines.push(`export const value${turn}_${i} = helper${turn}(${i}, 'field_${i}');`);
  return lines.join('\n');
}

/** The Agents SDK session's instructions: a long, fixed system prompt, as real agents have. */
export const AGENT_INSTRUCTIONS = [
  'You are a careful code-review agent working in a TypeScript repository.',
  ...Array.from({ length: 40 }, (_, i) => `Rule ${i + 1}: read the file before you judge it, quote the line you mean, say why it matters, and propose the smallest change that fixes it; never guess at code you have not read (rule set ${i + 1}).`),
  'When you have read every file you need, answer with a short summary of what you found.',
].join('\n');
