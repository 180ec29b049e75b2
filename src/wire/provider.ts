// The names of the upstream dialects this service knows (issue 24's capability profiles, and the `profile`
// of an upstream in the configuration). Shared vocabulary: the config checks a name against it, the
// profiles keep one table per name.
export const PROVIDER_NAMES = ['anthropic', 'zai', 'moonshot', 'deepseek', 'minimax', 'qwen', 'openrouter', 'generic'] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}
