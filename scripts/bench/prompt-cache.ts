// `npm run bench:prompt-cache`: what the prompt-cache breakpoints save on the two recorded 20-turn sessions
// (test/fixtures/prompt-cache/), replayed through the service to a mock upstream that caches as Anthropic's
// prompt-caching docs describe. Prints, with the feature on and off, the share of input tokens read from the
// cache from the second turn on, and the input cost relative to no caching at Anthropic's multipliers
// (5m cache writes 1.25x the base input price, cache reads 0.1x). In-process, no network beyond 127.0.0.1.
import { replaySession, type Replay } from '../../test/prompt-cache/replay.ts';
import { readSession } from '../../test/prompt-cache/session-fixture.ts';

const SESSIONS = ['agents-sdk-20-turns', 'codex-20-turns'];

function costRelative(replay: Replay): number {
  let plain = 0;
  let paid = 0;
  for (const usage of replay.usages) {
    plain += usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
    paid += usage.input_tokens + 0.1 * usage.cache_read_input_tokens + 1.25 * usage.cache_creation_input_tokens;
  }
  return plain === 0 ? 1 : paid / plain;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const rows: string[][] = [['session', 'PROMPT_CACHE', 'input tokens (20 turns)', 'read from cache, turns 2-20', 'input cost vs no cache']];
for (const name of SESSIONS) {
  const session = readSession(name);
  for (const mode of ['on', 'off']) {
    const replay = await replaySession(session, { PROMPT_CACHE: mode });
    const total = replay.usages.reduce((sum, usage) => sum + usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens, 0);
    rows.push([`${name} (${session.client})`, mode, String(total), percent(replay.shareFromSecondTurn), percent(costRelative(replay))]);
  }
}
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}\n`);
