// One rule for the end-user id on both surfaces (openai-common/end-user.ts): OpenAI's API reference says
// safety_identifier replaces user, so it wins when both are set; chat once preferred user.
import t from 'tap';
import { endUserIds } from '../../../src/translate/openai-common/end-user.ts';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import { RULES } from '../openai-chat/rules.ts';
import { translate as translateResponses } from '../openai-responses/rules.ts';

const chatUserId = (fields: object) => translateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...fields } as never, RULES).body.metadata?.user_id;
const responsesUserId = (fields: object) => translateResponses({ input: 'hi', ...fields } as never).body.metadata?.user_id;

t.test('safety_identifier wins over user, on chat and on Responses alike', async (t) => {
  for (const [surface, userId] of [['chat', chatUserId], ['responses', responsesUserId]] as const) {
    t.equal(userId({ user: 'old-user', safety_identifier: 'sid-1' }), 'sid-1', `${surface}: both set`);
    t.equal(userId({ user: 'old-user' }), 'old-user', `${surface}: user alone`);
    t.equal(userId({ user: 'old-user', safety_identifier: '' }), 'old-user', `${surface}: an empty safety_identifier leaves user`);
    t.equal(userId({ user: 'old-user', safety_identifier: null }), 'old-user', `${surface}: a null safety_identifier leaves user`);
    t.equal(userId({}), undefined, `${surface}: neither`);
  }
});

t.test('the candidates come most preferred first', async (t) => {
  t.strictSame(endUserIds({ user: 'u', safety_identifier: 's' }), ['s', 'u']);
});
