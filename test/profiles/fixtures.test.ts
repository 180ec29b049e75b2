// Profiles as pure data: for every built-in model, the Anthropic body it gets for the same OpenAI requests
// (translated as the chat route does, then fitted by adaptRequest), compared with test/fixtures/profiles/.
// PROFILE_FIXTURES=write rewrites the fixtures after a deliberate change; review the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { adaptRequest } from '../../src/profiles/adapt.ts';
import { profileFor } from '../../src/profiles/profile.ts';
import { reasoningByToolUseId } from '../../src/translate/openai-chat/input.ts';
import { translateChatRequest } from '../../src/translate/openai-chat/request.ts';
import { testConfig } from '../helpers/app.ts';
import { BUILT_IN_MODELS, OPENAI_CASES } from './cases.ts';

const config = testConfig();
const rules = { modelMap: {}, autoTextModel: config.autoTextModel, autoVisionModel: config.autoVisionModel, defaultMaxTokens: config.defaultMaxTokens, reasoningBudgets: config.reasoningBudgets };
const fixtureUrl = (provider: string, model: string) => new URL(`../fixtures/profiles/${provider}--${model.replace(/[^a-zA-Z0-9.-]/g, '_')}.json`, import.meta.url);

for (const [provider, model] of BUILT_IN_MODELS) {
  t.test(`${provider} ${model}`, async (t) => {
    const profile = profileFor(provider, model);
    const bodies: Record<string, unknown> = {};
    for (const [name, request] of Object.entries(OPENAI_CASES)) {
      const openai = { ...request, model };
      const { body, dropped } = adaptRequest(translateChatRequest(openai, rules).body, profile, {
        surface: 'chat',
        reasoningEffort: openai.reasoning_effort,
        reasoningByToolUseId: reasoningByToolUseId(openai.messages),
      });
      bodies[name] = { body, dropped };
    }
    const actual = { provider, model, sources: profile.sources, bodies };
    const url = fixtureUrl(provider, model);
    if (process.env.PROFILE_FIXTURES === 'write') writeFileSync(url, `${JSON.stringify(actual, null, 2)}\n`);
    t.strictSame(actual, JSON.parse(readFileSync(url, 'utf8')));
  });
}
