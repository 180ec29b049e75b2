// Compaction through the openai SDK against the service on a real port: POST /v1/responses/compact summarises
// the history with the routed model; the compaction item it returns, sent back as input, expands to the
// summary; context_management compacts on create; stored responses continue across a compaction.
import OpenAI from 'openai';
import t from 'tap';
import { clientHarness } from '../../clients/harness.ts';
import { messageReply, textBlock } from '../../helpers/anthropic-replies.ts';
import type { RecordedRequest } from '../../helpers/mock-upstream.ts';
import { COMPACTION_PROMPT, SUMMARY_PREAMBLE, decodeCompaction } from '../../../src/translate/openai-responses/compaction.ts';

const SUMMARY = 'The user is planning a trip to Oslo in March and prefers trains.';

/** Every text the upstream request carries, in order. */
function texts(request: RecordedRequest): string[] {
  const out: string[] = [];
  for (const message of request.body.messages ?? []) {
    if (typeof message.content === 'string') out.push(message.content);
    else for (const block of message.content) if (block.type === 'text') out.push(block.text);
  }
  return out;
}

/** A model that summarises when asked with the compaction prompt, and otherwise answers "answer N". */
function summarisingModel() {
  let answers = 0;
  return (request: RecordedRequest) => {
    const asked = texts(request);
    if (asked.at(-1) === COMPACTION_PROMPT) return messageReply(request, { content: [textBlock(SUMMARY)], usage: { input_tokens: 500, output_tokens: 20 } });
    answers++;
    return messageReply(request, { content: [textBlock(`answer ${answers}`)] });
  };
}

async function setup(t: Parameters<typeof clientHarness>[0]) {
  const harness = await clientHarness(t, { handler: summarisingModel() });
  const client = new OpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey, maxRetries: 0 });
  return { ...harness, client };
}

const isCompactionRequest = (request: RecordedRequest) => texts(request).at(-1) === COMPACTION_PROMPT;

t.test('responses.compact returns the user messages and a compaction item that expands to the summary', async (t) => {
  const { client, mock } = await setup(t);
  const first = await client.responses.create({ model: 'glm-4.5', instructions: 'Be brief.', input: 'I want to go to Oslo by train.' });
  const second = await client.responses.create({ model: 'glm-4.5', previous_response_id: first.id, input: 'In March.' });
  t.equal(second.output_text, 'answer 2');

  const compacted = await client.responses.compact({ model: 'glm-4.5', previous_response_id: second.id, instructions: 'Be brief.' });
  t.equal(compacted.object, 'response.compaction');
  t.match(compacted.id, /^resp_[0-9a-f]{32}$/);
  t.match(compacted.usage, { input_tokens: 500, output_tokens: 20, total_tokens: 520 });
  const types = compacted.output.map((item) => item.type);
  t.strictSame(types, ['message', 'message', 'compaction'], 'the two user messages, then one compaction item');
  t.strictSame(compacted.output.slice(0, 2).map((item) => (item as { role?: string }).role), ['user', 'user']);
  const item = compacted.output[2] as { type: 'compaction'; encrypted_content: string; id: string };
  t.match(item.encrypted_content, /^apc1\./, 'opaque and versioned');
  t.equal(decodeCompaction(item.encrypted_content), SUMMARY);

  const summarising = mock.requests.at(-1)!;
  t.ok(isCompactionRequest(summarising), 'the routed model was asked with the compaction prompt');
  t.strictSame(summarising.body.system, [{ type: 'text', text: 'Be brief.' }]);
  t.ok(texts(summarising).includes('answer 1') && texts(summarising).includes('In March.'), 'with the whole history');
  t.notOk('tools' in summarising.body && summarising.body.tool_choice?.type !== 'none', 'no tool is forced');

  // Sent back: the compacted window replaces the history; the summary is context.
  const next = await client.responses.create({ model: 'glm-4.5', input: [...(compacted.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'Which station?' }] });
  t.equal(next.output_text, 'answer 3');
  const sent = texts(mock.requests.at(-1)!);
  t.ok(sent.some((text) => text.startsWith(SUMMARY_PREAMBLE) && text.includes(SUMMARY)), 'the summary reaches the model');
  t.notOk(sent.includes('answer 1'), 'the compacted history is not sent again');

  // Stored responses keep working across the compaction.
  const after = await client.responses.create({ model: 'glm-4.5', previous_response_id: next.id, input: 'Thanks.' });
  t.equal(after.output_text, 'answer 4');
  const chained = texts(mock.requests.at(-1)!);
  t.ok(chained.some((text) => text.includes(SUMMARY)) && chained.includes('Which station?') && chained.includes('answer 3') && chained.includes('Thanks.'));
  t.notOk(chained.includes('answer 1'));
});

t.test('a compaction item from another service is left out; a missing model is a 400', async (t) => {
  const { client, mock } = await setup(t);
  const answer = await client.responses.create({ model: 'glm-4.5', input: [{ type: 'compaction', encrypted_content: 'gAAAA-not-ours' }, { role: 'user', content: 'Hi' }] });
  t.equal(answer.output_text, 'answer 1');
  t.strictSame(texts(mock.requests.at(-1)!), ['Hi']);

  const error = await client.responses.compact({ input: 'Hi' } as unknown as OpenAI.Responses.ResponseCompactParams).then(() => null, (caught: unknown) => caught);
  t.ok(error instanceof OpenAI.BadRequestError);
  t.match(error, { status: 400, param: 'model' });
});

t.test('context_management compacts on create when the input passes compact_threshold', async (t) => {
  const { client, mock } = await setup(t);
  const long = 'Some long history about trains and fjords. '.repeat(40);
  const first = await client.responses.create({ model: 'glm-4.5', input: long });
  const calls = mock.requests.length;

  const below = await client.responses.create({ model: 'glm-4.5', previous_response_id: first.id, input: 'Short.', context_management: [{ type: 'compaction', compact_threshold: 100_000 }] });
  t.equal(mock.requests.length, calls + 1, 'below the threshold: no compaction');
  t.equal(below.output_text, 'answer 2');

  const over = await client.responses.create({ model: 'glm-4.5', previous_response_id: below.id, input: 'Go on.', context_management: [{ type: 'compaction', compact_threshold: 50 }] });
  t.equal(mock.requests.length, calls + 3, 'a compaction call, then the answer');
  t.ok(isCompactionRequest(mock.requests.at(-2)!));
  t.equal(over.output_text, 'answer 3');
  const sent = texts(mock.requests.at(-1)!);
  t.ok(sent.some((text) => text.includes(SUMMARY)) && sent.includes('Go on.'));
  t.notOk(sent.includes('answer 1'), 'the answers before are summarised, not sent');

  // Continuing from the compacted response starts from the compacted window.
  const next = await client.responses.create({ model: 'glm-4.5', previous_response_id: over.id, input: 'And then?' });
  t.equal(next.output_text, 'answer 4');
  const chained = texts(mock.requests.at(-1)!);
  t.ok(chained.some((text) => text.includes(SUMMARY)) && chained.includes('answer 3') && chained.includes('And then?'));
  t.notOk(chained.includes('answer 1'));
});

t.test('a compaction_trigger item: the response is the one compaction item, streamed or not; the chain starts there', async (t) => {
  const { client, mock } = await setup(t);
  const first = await client.responses.create({ model: 'glm-4.5', input: 'I want to go to Oslo by train.' });
  const trigger = { type: 'compaction_trigger' } as unknown as OpenAI.Responses.ResponseInputItem;
  const whole = await client.responses.create({ model: 'glm-4.5', previous_response_id: first.id, input: [trigger] });
  t.strictSame(whole.output.map((item) => item.type), ['compaction']);
  t.equal(decodeCompaction((whole.output[0] as { encrypted_content?: string }).encrypted_content), SUMMARY);
  t.ok(isCompactionRequest(mock.requests.at(-1)!) && texts(mock.requests.at(-1)!).includes('answer 1'), 'the history before the trigger was summarised');

  const types: string[] = [];
  const stream = client.responses.stream({ model: 'glm-4.5', previous_response_id: first.id, input: [trigger] });
  stream.on('event', (event) => types.push(event.type));
  const streamed = await stream.finalResponse();
  t.strictSame(types, ['response.created', 'response.in_progress', 'response.output_item.added', 'response.output_item.done', 'response.completed']);
  t.strictSame(streamed.output.map((item) => item.type), ['compaction']);

  const next = await client.responses.create({ model: 'glm-4.5', previous_response_id: whole.id, input: 'Which station?' });
  t.equal(next.output_text, 'answer 2');
  const sent = texts(mock.requests.at(-1)!);
  t.ok(sent.some((text) => text.includes(SUMMARY)) && sent.includes('Which station?'));
  t.notOk(sent.includes('answer 1') || sent.includes('I want to go to Oslo by train.'), 'the compacted turns are not sent again');
});
