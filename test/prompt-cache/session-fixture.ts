// A recorded session as a fixture: each request's path and exact body. A session re-sends its growing
// history every turn, so a body's `messages` / `input` that starts with the previous request's is stored as
// that list plus what it appends (`{"$previousPlus": [...]}`), and a long field equal to the previous
// request's (the tools) as `{"$previous": true}`; reading restores every body exactly.
import { isDeepStrictEqual } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { FIXTURE_DIR } from './sessions.ts';

export interface SessionRequest {
  path: string;
  body: any;
}

export interface Session {
  /** The client package and version that made the recording. */
  client: string;
  requests: SessionRequest[];
}

const GROWING = ['messages', 'input'] as const;

function extendsList(previous: unknown, next: unknown): next is unknown[] {
  return Array.isArray(previous) && Array.isArray(next) && next.length >= previous.length && previous.every((item, i) => isDeepStrictEqual(item, next[i]));
}

export function encodeSession(session: Session): unknown {
  return {
    client: session.client,
    requests: session.requests.map((request, i) => {
      const previous = session.requests[i - 1]?.body;
      const body = { ...request.body };
      for (const key of Object.keys(body)) {
        if (!previous) break;
        if (GROWING.includes(key as (typeof GROWING)[number]) && extendsList(previous[key], body[key])) body[key] = { $previousPlus: body[key].slice(previous[key].length) };
        else if (JSON.stringify(body[key]).length > 200 && isDeepStrictEqual(previous[key], body[key])) body[key] = { $previous: true };
      }
      return { path: request.path, body };
    }),
  };
}

export function decodeSession(stored: any): Session {
  const requests: SessionRequest[] = [];
  for (const request of stored.requests) {
    const body = { ...request.body };
    for (const key of Object.keys(body)) {
      if (body[key]?.$previousPlus) body[key] = [...requests.at(-1)!.body[key], ...body[key].$previousPlus];
      else if (body[key]?.$previous === true) body[key] = requests.at(-1)!.body[key];
    }
    requests.push({ path: request.path, body });
  }
  return { client: stored.client, requests };
}

export function writeSession(name: string, session: Session): void {
  const encoded = encodeSession(session);
  if (!isDeepStrictEqual(decodeSession(JSON.parse(JSON.stringify(encoded))), session)) throw new Error(`${name}: the encoding does not restore the session`);
  writeFileSync(new URL(`${name}.json`, FIXTURE_DIR), `${JSON.stringify(encoded, null, 1)}\n`);
}

export function readSession(name: string): Session {
  return decodeSession(JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURE_DIR), 'utf8')));
}
