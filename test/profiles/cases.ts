// The same OpenAI chat requests for every built-in model (test/fixtures/profiles/ holds the body each model
// gets), and the models the profiles know by name.
import type { ChatCompletionRequest } from '../../src/wire/openai-chat.ts';
import type { ProviderName } from '../../src/wire/provider.ts';

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const PDF = 'data:application/pdf;base64,JVBERi0xLjQKJcOkw7zDtsOfCg==';

export const BUILT_IN_MODELS: ReadonlyArray<[ProviderName, string]> = [
  ['anthropic', 'claude-opus-4-7'],
  ['anthropic', 'claude-opus-4-6'],
  ['anthropic', 'claude-sonnet-4-6'],
  ['anthropic', 'claude-sonnet-4-5'],
  ['anthropic', 'claude-haiku-4-5-20251001'],
  ['anthropic', 'claude-opus-5'],
  ['anthropic', 'claude-fable-5-1'],
  ['zai', 'glm-4.6'],
  ['zai', 'glm-4.5'],
  ['zai', 'glm-4.5v'],
  ['moonshot', 'kimi-k2.6'],
  ['moonshot', 'kimi-k3'],
  ['deepseek', 'deepseek-v4-pro'],
  ['minimax', 'MiniMax-M2.7'],
  ['qwen', 'qwen-plus'],
  ['qwen', 'qwen3-max'],
  ['openrouter', 'anthropic/claude-opus-4.7'],
  ['openrouter', 'z-ai/glm-4.6'],
  ['generic', 'some-model'],
];

const user = (content: ChatCompletionRequest['messages'][number]['content']) => ({ role: 'user' as const, content });

// No `model`: each test sets it. (Not Omit<..., 'model'>: the request type is open, an index signature, which
// Omit would flatten to it alone.)
export const OPENAI_CASES: Readonly<Record<string, ChatCompletionRequest>> = {
  'effort-high': { messages: [user('Plan the migration.')], reasoning_effort: 'high', max_completion_tokens: 1000 },
  'effort-none': { messages: [user('Just answer.')], reasoning_effort: 'none' },
  'effort-max': { messages: [user('Think hard.')], reasoning_effort: 'max', max_completion_tokens: 40000 },
  sampling: { messages: [user('Be creative.')], temperature: 0, top_p: 0.9, stop: ['END'], max_completion_tokens: 300000 },
  'image-and-file': {
    messages: [user([
      { type: 'text', text: 'What is in these?' },
      { type: 'image_url', image_url: { url: PNG } },
      { type: 'file', file: { file_data: PDF, filename: 'report.pdf' } },
    ] as never)],
  },
  'tool-turn': {
    reasoning_effort: 'medium',
    parallel_tool_calls: false,
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    messages: [
      user('Weather in Paris?'),
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'The user wants the weather; call the tool.',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      } as never,
      { role: 'tool', tool_call_id: 'call_1', content: '18°C, sunny' },
    ],
  },
};
