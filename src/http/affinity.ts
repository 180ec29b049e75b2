// What keeps a conversation on one upstream key (prompt caches belong to a key or organisation): the
// client's prompt_cache_key, else the session id Codex (`session_id`) or Claude Code
// (`x-claude-code-session-id`) sends, else the conversation's beginning (its system prompt and first turn),
// which stays the same over every turn of it, previous_response_id chains included.
import type { IncomingHttpHeaders } from 'node:http';
import { headerValue } from '../upstream/header-value.ts';

const SESSION_HEADERS = ['session_id', 'x-claude-code-session-id'];
// The beginning is enough to tell conversations apart; hashing all of a long system prompt costs for nothing.
const BEGINNING_CHARS = 4096;

export function affinityKeyOf(headers: IncomingHttpHeaders, promptCacheKey: unknown, body: { system?: unknown; messages?: unknown }): string {
  if (typeof promptCacheKey === 'string' && promptCacheKey !== '') return `key:${promptCacheKey}`;
  for (const name of SESSION_HEADERS) {
    const session = headerValue(headers, name)?.trim();
    if (session) return `session:${session}`;
  }
  const first = Array.isArray(body.messages) ? body.messages[0] : undefined;
  return `start:${beginning(body.system)}\0${beginning(first)}`;
}

function beginning(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.slice(0, BEGINNING_CHARS);
  return (JSON.stringify(value) ?? '').slice(0, BEGINNING_CHARS);
}
