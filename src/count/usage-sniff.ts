// Finds the last `"usage":{...}` object in a piece of Anthropic JSON or SSE text without parsing the whole
// of it: the passthrough relays bytes unchanged and only needs the token counts for metrics.
import type { AnthropicUsage } from '../translate/usage.ts';

export function lastUsageIn(text: string): AnthropicUsage | null {
  const key = text.lastIndexOf('"usage"');
  if (key === -1) return null;
  const open = text.indexOf('{', key);
  if (open === -1) return null;
  // Usage objects hold numbers and at most one level of nesting (server_tool_use, cache_creation).
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x7b) depth++;
    else if (char === 0x7d && --depth === 0) {
      try {
        const usage = JSON.parse(text.slice(open, i + 1)) as unknown;
        return usage && typeof usage === 'object' ? (usage as AnthropicUsage) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
