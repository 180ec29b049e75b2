// The measurement of issue 28: two real 20-turn agent sessions (test/fixtures/prompt-cache/, recorded with
// record-sessions.ts) replayed through the service to a mock upstream that caches as Anthropic documents.
// With breakpoints placed, at least 80% of the input from the second turn on is read from the cache; with
// PROMPT_CACHE=off none is; every upstream body is one Anthropic accepts; the client is told the same counts.
import t from 'tap';
import { anthropicRequestProblems } from '../helpers/anthropic-request-rules.ts';
import { replaySession } from './replay.ts';
import { readSession } from './session-fixture.ts';
import { TURNS } from './sessions.ts';

const markersIn = (body: unknown) => JSON.stringify(body).split('"cache_control"').length - 1;

for (const name of ['agents-sdk-20-turns', 'codex-20-turns']) {
  t.test(name, async (t) => {
    const session = readSession(name);
    t.equal(session.requests.length, TURNS);

    // `on` places them whatever the profile says (the mock on 127.0.0.1 has the generic one, which caches).
    const on = await replaySession(session, { PROMPT_CACHE: 'on' });
    t.strictSame(on.statuses, Array(TURNS).fill(200), 'every turn answered');
    t.ok(on.shareFromSecondTurn >= 0.8, `${(on.shareFromSecondTurn * 100).toFixed(1)}% of the input from the second turn on read from the cache`);
    t.ok(on.usages.slice(1).every((usage) => usage.cache_read_input_tokens > 0), 'every turn after the first reads from the cache');
    t.strictSame(on.upstreamBodies.flatMap((body, i) => anthropicRequestProblems(body).map((problem) => `turn ${i + 1}: ${problem}`)), [], 'every upstream body is one Anthropic accepts');
    t.ok(on.upstreamBodies.every((body) => markersIn(body) >= 1 && markersIn(body) <= 4), 'one to four breakpoints in each');
    t.strictSame(on.client, on.usages.map((usage) => ({
      input: usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
      cached: usage.cache_read_input_tokens,
      written: usage.cache_creation_input_tokens,
    })), 'the client is told the reads as cached_tokens, the writes as cache_write_tokens, and all of it as its input');

    const off = await replaySession(session, { PROMPT_CACHE: 'off' });
    t.equal(off.shareFromSecondTurn, 0, 'PROMPT_CACHE=off: nothing read from the cache');
    t.ok(off.upstreamBodies.every((body) => markersIn(body) === 0), 'and no breakpoints sent');
    t.strictSame(off.upstreamBodies.flatMap((body) => anthropicRequestProblems(body)), []);
  });
}
