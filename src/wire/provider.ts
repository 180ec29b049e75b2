// The names of the upstream dialects this service knows (issue 24's capability profiles, and the `profile`
// of an upstream in the configuration). Shared vocabulary: the config checks a name against it, the
// profiles keep one table per name.
export const PROVIDER_NAMES = ['anthropic', 'zai', 'moonshot', 'deepseek', 'minimax', 'qwen', 'openrouter', 'generic'] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(value);
}

// The hosts each provider's Anthropic-compatible endpoint is served from (each provider's API docs); a
// pattern starting with '.' matches any host under it.
const PROVIDER_HOSTS: ReadonlyArray<readonly [ProviderName, readonly string[]]> = [
  ['anthropic', ['api.anthropic.com']],
  ['zai', ['api.z.ai', 'open.bigmodel.cn']],
  ['moonshot', ['api.moonshot.ai', 'api.moonshot.cn', 'api.kimi.com']],
  ['deepseek', ['api.deepseek.com']],
  ['minimax', ['api.minimax.io', 'api.minimaxi.com']],
  ['qwen', ['.aliyuncs.com']],
  ['openrouter', ['openrouter.ai']],
];

function hostMatches(host: string, pattern: string): boolean {
  return pattern.startsWith('.') ? host.endsWith(pattern) : host === pattern || host.endsWith(`.${pattern}`);
}

/** The provider an upstream base URL belongs to, by its host; `generic` for any other (or a bad URL). */
export function providerFromBaseUrl(url: string): ProviderName {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return 'generic';
  }
  return PROVIDER_HOSTS.find(([, hosts]) => hosts.some((pattern) => hostMatches(host, pattern)))?.[0] ?? 'generic';
}
