// OpenAI's `user` / `safety_identifier` -> Anthropic's `metadata.user_id`. Anthropic takes "a uuid, hash
// value, or other opaque identifier", at most 256 characters, and refuses identifying information such as
// an e-mail address or a phone number (Messages API reference, metadata.user_id). OpenAI takes any string,
// so an identifier that is not plainly opaque goes out as a stable hash: the same user, the same id.
import { createHash } from 'node:crypto';

const OPAQUE = /^[A-Za-z0-9._:-]{1,256}$/;
// Seven or more digits could be a phone number.
const PHONE_LIKE = /^\d{7,}$/;

export function anthropicUserId(user: unknown): string | undefined {
  if (typeof user !== 'string' || user === '') return undefined;
  if (OPAQUE.test(user) && !PHONE_LIKE.test(user)) return user;
  return `sha256:${createHash('sha256').update(user).digest('hex')}`;
}
