// The chat chunk encoder: [DONE] at the end, and the chunk fast path is exactly JSON.stringify's output.
import t from 'tap';
import { encodeSseData } from '../../../src/stream/sse-encoder.ts';
import { ChatChunkEncoder, SSE_DONE } from '../../../src/translate/openai-chat/chunk-encoder.ts';
import { chatStreamFixtures, withoutUsage } from '../../helpers/stream-fixtures.ts';

t.test('the completion sentinel', async (t) => {
  t.equal(SSE_DONE, 'data: [DONE]\n\n');
});

t.test('the chunk encoder gives exactly JSON.stringify for every chunk of every fixture, with and without usage', async (t) => {
  const encoder = new ChatChunkEncoder();
  let compared = 0;
  for (const fixture of chatStreamFixtures()) {
    for (const chunks of [fixture.chunks, withoutUsage(fixture.chunks)]) {
      for (const chunk of chunks) {
        t.equal(encoder.encode(chunk), encodeSseData(chunk));
        compared++;
      }
    }
  }
  t.ok(compared > 100);
});

t.test('the chunk encoder notices a new id, model or created', async (t) => {
  const encoder = new ChatChunkEncoder();
  const chunk = { id: 'a', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'x' }, logprobs: null, finish_reason: null }] };
  for (const variant of [chunk, { ...chunk, id: 'b' }, { ...chunk, model: 'n"q' }, { ...chunk, created: 2 }, { ...chunk, choices: [{ ...chunk.choices[0], finish_reason: 'stop' }] }]) {
    t.equal(encoder.encode(variant), encodeSseData(variant));
  }
  const error = { error: { message: 'x', type: 'server_error', param: null, code: null } };
  t.equal(encoder.encode(error), encodeSseData(error));
});
