// Keys on the request and in answers. Every key a request carries (x-api-key, a Bearer token, a key in the
// query string) is masked in every log line while the request lasts; key-like query parameters are dropped
// from the URL before it is logged or forwarded; and the server's own upstream key never reaches a client,
// whatever an upstream echoes: it is masked in every answer, whole bodies here and streams in the writer.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { MIN_MASKED_KEY_LENGTH, maskSecret } from '../stream/secret-mask.ts';
import { headerValue } from '../upstream/header-value.ts';

// `key`, `api_key`, `apikey`, `api-key`, `x-api-key`, `token`, `access_token`, `auth_token`, `auth`,
// `authorization`, `secret`, `client_secret`, `password`: compared without case.
const KEY_PARAM = /^(?:(?:x[-_])?(?:api[-_]?)?key|(?:access[-_]|auth[-_])?token|auth(?:orization)?|(?:client[-_])?secret|password)$/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The URL without its key-like query parameters, the rest kept byte for byte (Claude Code's `?beta=true`
 * passes), and the values dropped.
 */
export function withoutKeyParams(url: string): { url: string; keys: string[] } {
  const mark = url.indexOf('?');
  if (mark === -1) return { url, keys: [] };
  const keys: string[] = [];
  const kept = url
    .slice(mark + 1)
    .split('&')
    .filter((pair) => {
      const equals = pair.indexOf('=');
      if (!KEY_PARAM.test(decoded(equals === -1 ? pair : pair.slice(0, equals)))) return true;
      if (equals !== -1) keys.push(decoded(pair.slice(equals + 1)));
      return false;
    });
  const path = url.slice(0, mark);
  return { url: kept.length === 0 ? path : `${path}?${kept.join('&')}`, keys };
}

/** A service key as it may appear in an answer, or null when it is too short to be worth masking. */
export function serverKeyToMask(serverApiKey: string): string | null {
  return serverApiKey.length >= MIN_MASKED_KEY_LENGTH ? serverApiKey : null;
}

const keysByRouting = new WeakMap<object, readonly string[]>();

/** SERVER_API_KEY and the keys of the routing in force, each long enough to mask (cached per routing table). */
export function serviceKeysToMask(app: FastifyInstance): readonly string[] {
  const routing = app.upstreams.routing;
  let keys = keysByRouting.get(routing);
  if (keys === undefined) {
    const all = [app.config.serverApiKey, ...routing.targets.flatMap((target) => target.keys.map((key) => key.value))];
    keys = [...new Set(all.map(serverKeyToMask).filter((key): key is string => key !== null))];
    keysByRouting.set(routing, keys);
  }
  return keys;
}

/** The logger's register of keys to mask while their request lasts (logging.ts, LiveSecrets). */
export interface KeyRegister {
  /** Masks `secret` in every log line until the returned function is called. */
  hold(secret: string): () => void;
}

export interface SecretsOptions {
  /** Null when the logger did not come from createLogger. */
  live: KeyRegister | null;
}

async function secrets(app: FastifyInstance, { live }: SecretsOptions): Promise<void> {
  if (live) {
    app.addHook('onRequest', (request, reply, done) => {
      const presented = [headerValue(request.headers, 'x-api-key')?.trim(), headerValue(request.headers, 'authorization')?.trim().match(/^Bearer\s+(\S+)$/i)?.[1]];
      if (request.url.includes('?')) presented.push(...withoutKeyParams(request.url).keys);
      const releases = presented.filter((key): key is string => key !== undefined && key !== '').map((key) => live.hold(key));
      // Released once the answer is over and its last lines (the access line, a stream's failure) are written.
      if (releases.length > 0) reply.raw.once('close', () => setImmediate(() => releases.forEach((release) => release())));
      done();
    });
  }
  // The service's upstream keys never reach a client, whatever an upstream echoes: SERVER_API_KEY and every
  // key of the routing in force (the configuration file's, reloaded ones included).
  app.addHook('onSend', async (_request, _reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    let masked: string | Buffer = payload;
    for (const key of serviceKeysToMask(app)) masked = maskSecret(masked, key);
    return masked;
  });
}

export const secretsPlugin = fp(secrets, { name: 'secrets', fastify: '5.x', decorators: { fastify: ['config', 'upstreams'] } });
