// The upstream response headers a client relies on, relayed unchanged on every route: request-id,
// retry-after(-ms) and the anthropic-ratelimit-* family.
export function relayedResponseHeaders(upstream: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const relayed: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    if (name === 'request-id' || name === 'retry-after' || name === 'retry-after-ms' || name.startsWith('anthropic-ratelimit-')) {
      relayed[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return relayed;
}
