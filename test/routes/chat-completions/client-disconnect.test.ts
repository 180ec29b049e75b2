// A client that leaves before the answer aborts the upstream request (no generation billed for no one).
import OpenAI from 'openai';
import t from 'tap';
import { chatSetup } from '../../helpers/chat.ts';

t.test('aborting the SDK request aborts the upstream request', async (t) => {
  const { client, mock, logs } = await chatSetup(t);
  mock.enqueue({ kind: 'hang' });
  const controller = new AbortController();
  const pending = client.chat.completions
    .create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'long task' }] }, { signal: controller.signal })
    .catch((e: unknown) => e);
  await mock.waitForRequests(1);
  controller.abort();
  t.type(await pending, OpenAI.APIUserAbortError);
  await mock.lastRequest.done;
  t.equal(mock.lastRequest.aborted, true, 'the upstream saw the connection close early');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.notOk(logs.some((line) => /"level":50/.test(line)), 'no error logged for a client that left');
  t.ok(logs.some((line) => line.includes('client closed the connection before the answer')));
});
