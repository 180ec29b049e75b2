// The end user a request names, for Anthropic's metadata.user_id (anthropic/user-id.ts). OpenAI's API
// reference says `safety_identifier` replaces `user`, so when a client sends both, safety_identifier wins;
// an empty one leaves the other. One rule for chat completions and the Responses API.

export interface EndUserFields {
  user?: string | null;
  safety_identifier?: string | null;
}

/** The candidate ids, most preferred first: the first that gives a value is sent. */
export function endUserIds(request: EndUserFields): Array<string | null | undefined> {
  return [request.safety_identifier, request.user];
}
