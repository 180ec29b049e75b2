// Micro-benchmark of the pure streaming code, no sockets: events per second through
//  - the translated path: SSE decoder + chat chunk state machine + encoder (src/translate/openai-chat/sse-translator.ts),
//  - the passthrough relay (src/translate/anthropic/relay.ts), which only watches the bytes (message_stop, usage),
// on the benchmark's recorded 50-event stream, cut the way the mock writes it (4 chunks) and in 64-byte
// pieces (a slow upstream), and on the recorded fixture streams.
//
// Usage: node scripts/bench/stream-translator.ts [--json] [--seconds=S]   (`npm run bench:stream`)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AnthropicRelay } from '../../src/translate/anthropic/relay.ts';
import { streamText } from './payloads.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false }, seconds: { type: 'string', default: '1' } } });
const seconds = Number(args.seconds);

interface Translator {
  push(bytes: Uint8Array): string;
  end(): string;
}
type TranslatorFactory = () => Translator;

/** The chat pipeline when src/stream/ has it (issue 5), else null: the relay is measured either way. */
async function chatTranslatorFactory(): Promise<TranslatorFactory | null> {
  const path = join(ROOT, 'src/translate/openai-chat/sse-translator.ts');
  let module: { ChatSseTranslator?: new (options: Record<string, unknown>) => Translator };
  try {
    module = (await import(pathToFileURL(path).href)) as typeof module;
  } catch {
    return null;
  }
  const Pipeline = module.ChatSseTranslator;
  if (!Pipeline) return null;
  return () => new Pipeline({ created: 1_700_000_000, includeUsage: true, responseFormatTool: null, fallbackId: 'chatcmpl-bench', fallbackModel: 'glm-4.5' });
}

function split(bytes: Buffer, pieces: number): Buffer[] {
  const size = Math.ceil(bytes.length / pieces);
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) parts.push(bytes.subarray(offset, offset + size));
  return parts;
}

function bySize(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) parts.push(bytes.subarray(offset, offset + size));
  return parts;
}

function countEvents(text: string): number {
  return text.split(/\r?\n\r?\n/).filter((block) => /^data:/m.test(block)).length;
}

interface Measurement {
  name: string;
  events: number;
  bytes: number;
  streamsPerS: number;
  eventsPerS: number;
  mbPerS: number;
  nsPerEvent: number;
}

/** Runs `once` repeatedly for about `seconds` (after a short warm-up) and reports the rate. */
async function measure(name: string, events: number, bytes: number, once: () => unknown | Promise<unknown>): Promise<Measurement> {
  const warmupUntil = performance.now() + Math.min(300, seconds * 300);
  while (performance.now() < warmupUntil) await once();
  let runs = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i++) await once();
    runs += 50;
  }
  const elapsedS = (performance.now() - started) / 1000;
  const streamsPerS = runs / elapsedS;
  return { name, events, bytes, streamsPerS, eventsPerS: streamsPerS * events, mbPerS: (streamsPerS * bytes) / 1e6, nsPerEvent: 1e9 / (streamsPerS * events) };
}

function translateOnce(factory: TranslatorFactory, chunks: Buffer[]): number {
  const translator = factory();
  let length = 0;
  for (const chunk of chunks) length += translator.push(chunk).length;
  return length + translator.end().length;
}

/** The relay as the streaming writer drives it: every chunk, the end, and the usage for metrics once. */
function relayOnce(chunks: Buffer[]): number {
  const relay = new AnthropicRelay();
  let length = 0;
  for (const chunk of chunks) length += relay.push(chunk).length;
  length += relay.end().length;
  return relay.usage === null ? length : length + 1;
}

async function main(): Promise<void> {
  const bench = Buffer.from(streamText());
  const events = countEvents(bench.toString());
  const inputs: Array<{ name: string; chunks: Buffer[]; events: number; bytes: number }> = [
    { name: 'bench stream, 4 writes', chunks: split(bench, 4), events, bytes: bench.length },
    { name: 'bench stream, 64-byte pieces', chunks: bySize(bench, 64), events, bytes: bench.length },
  ];
  const fixtureDir = join(ROOT, 'test/fixtures/anthropic');
  for (const file of readdirSync(fixtureDir).filter((name) => name.endsWith('.sse')).sort()) {
    const bytes = readFileSync(join(fixtureDir, file));
    if (!/message_stop/.test(bytes.toString()) || /event: error/.test(bytes.toString())) continue;
    inputs.push({ name: `fixture ${file}`, chunks: [bytes], events: countEvents(bytes.toString()), bytes: bytes.length });
  }

  const results: Measurement[] = [];
  const chat = await chatTranslatorFactory();
  if (chat) {
    for (const input of inputs) results.push(await measure(`translate  ${input.name}`, input.events, input.bytes, () => translateOnce(chat, input.chunks)));
  }
  for (const input of inputs.slice(0, 2)) results.push(await measure(`relay      ${input.name}`, input.events, input.bytes, () => relayOnce(input.chunks)));

  const lines = [
    chat ? 'decoder + state machine + encoder (src/translate/openai-chat/sse-translator.ts), and the passthrough relay:' : 'src/translate/openai-chat/sse-translator.ts is not there yet (issue 5): only the passthrough relay is measured:',
    ...results.map((r) => `  ${r.name.padEnd(58)} ${Math.round(r.eventsPerS).toLocaleString('en-US').padStart(12)} events/s  ${r.nsPerEvent.toFixed(0).padStart(6)} ns/event  ${r.mbPerS.toFixed(1).padStart(7)} MB/s  (${r.events} events, ${r.bytes} B)`),
  ];
  if (args.json) process.stdout.write(`${JSON.stringify({ translatorAvailable: chat !== null, results, lines })}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
