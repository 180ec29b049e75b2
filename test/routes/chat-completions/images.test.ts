// Images through the openai SDK: base64 and URL sources, vision model choice, unsupported types refused.
import OpenAI from 'openai';
import t from 'tap';
import { chatSetup } from '../../helpers/chat.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

t.test('image parts become image blocks and a request without model goes to AUTOVISION_MODEL', async (t) => {
  const { client, mock } = await chatSetup(t, { AUTOVISION_MODEL: 'glm-4.5v' });
  await client.chat.completions.create({
    messages: [{
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } },
        { type: 'image_url', image_url: { url: 'https://example.com/photo.webp' } },
      ],
    }],
  } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
  t.strictSame(mock.lastRequest.body, {
    model: 'glm-4.5v',
    max_tokens: 4096,
    messages: [{
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/photo.webp' } },
      ],
    }],
  });
});

t.test('a PDF file part becomes a document block', async (t) => {
  const { client, mock } = await chatSetup(t);
  await client.chat.completions.create({
    model: 'glm-4.5',
    messages: [{ role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'r.pdf' } }, { type: 'text', text: 'Summarise' }] }],
  });
  t.strictSame(mock.lastRequest.body.messages[0].content, [
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'r.pdf' },
    { type: 'text', text: 'Summarise' },
  ]);
});

t.test('an unsupported image type is a BadRequestError naming the url; nothing goes upstream', async (t) => {
  const { client, mock } = await chatSetup(t);
  const error = await client.chat.completions
    .create({ model: 'glm-4.5v', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }] })
    .catch((e: unknown) => e);
  t.type(error, OpenAI.BadRequestError);
  t.equal((error as InstanceType<typeof OpenAI.BadRequestError>).param, 'messages[0].content[0].image_url.url');
  t.match((error as Error).message, /image\/tiff/);
  t.equal(mock.requests.length, 0);
});
