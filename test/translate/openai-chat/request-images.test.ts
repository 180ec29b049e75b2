// Images, documents and files in user content; audio is refused; an image makes the request a vision request.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import type { ChatContentPart } from '../../../src/wire/openai-chat.ts';
import { RULES, failure } from './rules.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const user = (content: ChatContentPart[], model: string | null = 'glm-4.5v') =>
  translateChatRequest({ model, messages: [{ role: 'user', content }] }, RULES).body;

t.test('data: URLs become base64 image sources; http(s) URLs url sources; detail is dropped', async (t) => {
  const body = user([
    { type: 'text', text: 'Compare' },
    { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
    { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'low' }, cache_control: { type: 'ephemeral' } },
    { type: 'image_url', image_url: `data:image/jpg;base64,${PNG}` },
  ]);
  t.same(body.messages[0].content, [
    { type: 'text', text: 'Compare' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' }, cache_control: { type: 'ephemeral' } },
    { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: PNG } },
  ]);
});

t.test('each allowed image type passes; a PDF data URL becomes a document', async (t) => {
  for (const type of ['image/jpeg', 'image/png', 'image/gif', 'image/webp']) {
    const body = user([{ type: 'image_url', image_url: { url: `data:${type};base64,AAAA` } }]);
    t.same(body.messages[0].content, [{ type: 'image', source: { type: 'base64', media_type: type, data: 'AAAA' } }], type);
  }
  const pdf = user([{ type: 'image_url', image_url: { url: 'data:application/pdf;base64,JVBERi0=' } }]);
  t.same(pdf.messages[0].content, [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }]);
});

t.test('other media types, non-base64 data URLs and other schemes are 400s naming the url', async (t) => {
  for (const url of ['data:image/bmp;base64,AAAA', 'data:image/png,rawbytes', 'ftp://example.com/a.png', 'not a url']) {
    const error = failure(() => user([{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url } }]));
    t.equal(error.statusCode, 400, url);
    t.equal(error.param, 'messages[0].content[1].image_url.url', url);
  }
  t.match(failure(() => user([{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAAA' } }])).message, /image\/bmp/);
});

t.test('file parts become document blocks: PDF, plain text, url; file_id is refused', async (t) => {
  const body = user([
    { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
    { type: 'file', file: { file_data: `data:text/plain;base64,${Buffer.from('hello').toString('base64')}` } },
    { type: 'file', file: { file_url: 'https://example.com/b.pdf' } },
    { type: 'file', file: { file_data: `data:image/png;base64,${PNG}` } },
  ]);
  t.same(body.messages[0].content, [
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
    { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'hello' } },
    { type: 'document', source: { type: 'url', url: 'https://example.com/b.pdf' } },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
  ]);
  t.equal(failure(() => user([{ type: 'file', file: { file_id: 'file-abc' } }])).param, 'messages[0].content[0].file.file_id');
  t.equal(failure(() => user([{ type: 'file', file: { file_data: 'data:application/zip;base64,AA' } }])).param, 'messages[0].content[0].file.file_data');
});

t.test('input_audio is a 400 that says audio is not supported', async (t) => {
  const error = failure(() => user([{ type: 'text', text: 'listen' }, { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }]));
  t.equal(error.statusCode, 400);
  t.equal(error.param, 'messages[0].content[1]');
  t.match(error.message, /audio input is not supported/);
});

t.test('images in tool results are kept', async (t) => {
  const body = translateChatRequest({
    messages: [
      { role: 'user', content: 'look' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'shot', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'screen' }, { type: 'image_url', image_url: { url: 'https://x.test/s.png' } }] } as never,
    ],
  }, RULES).body;
  t.same(body.messages[2].content, [{
    type: 'tool_result',
    tool_use_id: 'c1',
    content: [{ type: 'text', text: 'screen' }, { type: 'image', source: { type: 'url', url: 'https://x.test/s.png' } }],
  }]);
  t.equal(body.model, 'glm-vision', 'an image in a tool result makes it a vision request too');
});

t.test('model choice: mapped, passed through, or AUTOTEXT/AUTOVISION when missing', async (t) => {
  t.equal(user([{ type: 'text', text: 'x' }], 'gpt-4o').model, 'glm-4.6');
  t.equal(user([{ type: 'text', text: 'x' }], 'glm-4.5-air').model, 'glm-4.5-air');
  t.equal(user([{ type: 'text', text: 'x' }], null).model, 'glm-text');
  t.equal(user([{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }], null).model, 'glm-vision');
  t.equal(user([{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }], 'gpt-4o').model, 'glm-4.6', 'an explicit model wins');
  t.equal(user([{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } }], null).model, 'glm-text', 'a PDF is not an image');
});
