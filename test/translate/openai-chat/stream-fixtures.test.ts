// Every recorded Anthropic stream, through decoder + state machine + encoder, gives exactly its expected
// OpenAI chunk sequence, however the upstream bytes are split.
import t from 'tap';
import { checkEverySplit } from '../../helpers/byte-splits.ts';
import { ChatSseTranslator } from '../../../src/translate/openai-chat/sse-translator.ts';
import { FIXTURE_CREATED, chatStreamFixtures, parseOpenAISse, withoutUsage, type ChatStreamFixture } from '../../helpers/stream-fixtures.ts';

function translator(fixture: ChatStreamFixture, includeUsage = fixture.includeUsage): ChatSseTranslator {
  return new ChatSseTranslator({ created: FIXTURE_CREATED, includeUsage, responseFormatTool: fixture.responseFormatTool, fallbackId: 'chatcmpl-fallback', fallbackModel: 'fallback-model' });
}

function replay(fixture: ChatStreamFixture, pieces: Buffer[], includeUsage?: boolean): string {
  const pipeline = translator(fixture, includeUsage);
  let out = '';
  for (const piece of pieces) out += pipeline.push(piece);
  return out + pipeline.end();
}

const fixtures = chatStreamFixtures();

t.test('the fixture set covers every scenario the issue names', async (t) => {
  t.same(
    fixtures.map((fixture) => fixture.name),
    ['error', 'json-format', 'parallel-tools', 'redacted-thinking', 'server-tool', 'text', 'thinking', 'tool', 'truncated', 'zai-usage'],
  );
});

for (const fixture of fixtures) {
  t.test(`${fixture.name}: the whole chunk sequence`, async (t) => {
    const text = replay(fixture, [fixture.upstream]);
    const { items, done } = parseOpenAISse(text);
    t.strictSame(items, fixture.chunks);
    t.equal(done, fixture.end === 'done', fixture.end === 'done' ? 'ends with [DONE]' : 'no [DONE] after an error');
    if (fixture.end === 'done') t.ok(text.endsWith('data: [DONE]\n\n'));
  });

  t.test(`${fixture.name}: without include_usage, no usage field and no usage chunk`, async (t) => {
    const { items, done } = parseOpenAISse(replay(fixture, [fixture.upstream], false));
    t.strictSame(items, withoutUsage(fixture.chunks));
    t.equal(done, fixture.end === 'done');
  });

  t.test(`${fixture.name}: split at every byte boundary, and byte by byte`, async (t) => {
    checkEverySplit(t, fixture.upstream, (pieces) => replay(fixture, pieces));
  });

  t.test(`${fixture.name}: CRLF and CR line endings give the same output`, async (t) => {
    const whole = replay(fixture, [fixture.upstream]);
    const text = fixture.upstream.toString('utf8');
    t.equal(replay(fixture, [Buffer.from(text.replaceAll('\n', '\r\n'))]), whole, 'CRLF');
    t.equal(replay(fixture, [Buffer.from(text.replaceAll('\n', '\r'))]), whole, 'CR');
    const crlf = Buffer.from(text.replaceAll('\n', '\r\n'));
    let mismatches = 0;
    for (let cut = 1; cut < crlf.length; cut++) {
      if (replay(fixture, [crlf.subarray(0, cut), crlf.subarray(cut)]) !== whole) mismatches++;
    }
    t.equal(mismatches, 0, 'CRLF split at every byte boundary');
  });
}
