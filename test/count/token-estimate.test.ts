// The local token estimate: a real BPE tokenizer for text, Anthropic's image rule, overheads per message
// and tool definition.
import t from 'tap';
import { imageSizeFromBase64 } from '../../src/count/image-size.ts';
import {
  MESSAGE_OVERHEAD_TOKENS,
  REQUEST_OVERHEAD_TOKENS,
  TOOL_DEFINITION_OVERHEAD_TOKENS,
  UNKNOWN_IMAGE_TOKENS,
  estimateInputTokens,
  imageTokens,
} from '../../src/count/token-estimate.ts';
import { lazyTokenizer } from '../../src/count/tokenizer.ts';

function png(width: number, height: number): string {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'latin1');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  return b.toString('base64');
}
function gif(width: number, height: number): string {
  const b = Buffer.alloc(13);
  b.write('GIF89a', 0, 'latin1');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b.toString('base64');
}
function jpeg(width: number, height: number): string {
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const sof = Buffer.alloc(19);
  sof.writeUInt16BE(0xffc0, 0);
  sof.writeUInt16BE(17, 2);
  sof[4] = 8;
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof]).toString('base64');
}
function webp(width: number, height: number): string {
  const b = Buffer.alloc(30);
  b.write('RIFF', 0, 'latin1');
  b.write('WEBP', 8, 'latin1');
  b.write('VP8X', 12, 'latin1');
  b.writeUIntLE(width - 1, 24, 3);
  b.writeUIntLE(height - 1, 27, 3);
  return b.toString('base64');
}

t.test('image sizes are read from PNG, GIF, JPEG and WebP headers', async (t) => {
  t.same(imageSizeFromBase64(png(640, 480)), { width: 640, height: 480 });
  t.same(imageSizeFromBase64(gif(32, 16)), { width: 32, height: 16 });
  t.same(imageSizeFromBase64(jpeg(1024, 768)), { width: 1024, height: 768 });
  t.same(imageSizeFromBase64(webp(300, 200)), { width: 300, height: 200 });
  t.equal(imageSizeFromBase64('bm90IGFuIGltYWdl'), null);
  t.equal(imageSizeFromBase64(''), null);
});

t.test("Anthropic's image rule: width*height/750, scaled first to a 1568 px long edge and about 1,600 tokens", async (t) => {
  t.equal(imageTokens(750, 1), 1);
  t.equal(imageTokens(1000, 1000), 1334);
  t.equal(imageTokens(3136, 1568), imageTokens(1568, 784), 'a large image costs what its resized version costs');
  t.equal(imageTokens(1000, 500), Math.ceil((1000 * 500) / 750), 'within both limits: unscaled');
  // Anthropic's table of the largest unscaled sizes: all about 1,600 tokens.
  for (const [w, h] of [[1092, 1092], [951, 1268], [896, 1344], [819, 1456], [784, 1568]]) {
    t.equal(imageTokens(w, h), Math.ceil((w * h) / 750), `${w}x${h} is in the table: unscaled`);
  }
  for (const [w, h] of [[1568, 1568], [4000, 3000], [3136, 1568]]) {
    const tokens = imageTokens(w, h);
    t.ok(tokens >= 1580 && tokens <= 1640, `${w}x${h} costs about 1,600 tokens, not more (${tokens})`);
  }
  t.equal(imageTokens(8000, 1000), Math.ceil((1568 * 196) / 750), 'a long thin image: only the edge rule applies');
});

t.test('text is counted with the BPE tokenizer, plus documented overheads', async (t) => {
  const count = await lazyTokenizer()();
  t.equal(count('Hello world, how are you?'), 7, 'cl100k_base count');
  t.equal(count(''), 0);
  const text = 'The quick brown fox jumps over the lazy dog.';
  const base = estimateInputTokens({ messages: [{ role: 'user', content: text }] }, count);
  t.equal(base, REQUEST_OVERHEAD_TOKENS + MESSAGE_OVERHEAD_TOKENS + count(text));
  const withSystem = estimateInputTokens({ system: [{ type: 'text', text: 'Be brief.' }], messages: [{ role: 'user', content: text }] }, count);
  t.equal(withSystem, base + count('Be brief.'));

  const tool = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
  const withTool = estimateInputTokens({ messages: [{ role: 'user', content: text }], tools: [tool] }, count);
  t.equal(withTool, base + TOOL_DEFINITION_OVERHEAD_TOKENS + count(tool.name) + count(tool.description) + count(JSON.stringify(tool.input_schema)));

  const toolTurns = estimateInputTokens({
    messages: [
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'Sunny, 21 C' }] }] },
    ],
  }, count);
  t.equal(toolTurns, REQUEST_OVERHEAD_TOKENS + 2 * MESSAGE_OVERHEAD_TOKENS + count('get_weather') + count('{"city":"Paris"}') + count('Sunny, 21 C'));
});

t.test('images: by size when readable, the documented constant otherwise', async (t) => {
  const count = await lazyTokenizer()();
  const message = (source: unknown) => ({ messages: [{ role: 'user', content: [{ type: 'image', source }] }] });
  const overhead = REQUEST_OVERHEAD_TOKENS + MESSAGE_OVERHEAD_TOKENS;
  t.equal(estimateInputTokens(message({ type: 'base64', media_type: 'image/png', data: png(1000, 1000) }), count), overhead + 1334);
  t.equal(estimateInputTokens(message({ type: 'url', url: 'https://example.test/a.png' }), count), overhead + UNKNOWN_IMAGE_TOKENS);
  t.equal(estimateInputTokens(message({ type: 'base64', media_type: 'image/png', data: 'AAAA' }), count), overhead + UNKNOWN_IMAGE_TOKENS);
});

t.test('odd bodies never throw', async (t) => {
  const count = await lazyTokenizer()();
  for (const body of [{}, { messages: 'x' }, { messages: [null, 1, { content: 5 }] }, { tools: [null, {}] }, { system: 7 }]) {
    t.type(estimateInputTokens(body as Record<string, unknown>, count), 'number');
  }
});
