// Bounds on the shape of a JSON body, so that no body the size limit allows can overflow the stack or the
// heap. Depth: parsing is iterative, but serializing (the upstream request, a re-written passthrough body),
// schema checks and token estimates recurse, and a body nested 100k levels deep overflowed the stack there
// (a 500); checked once per body after parsing, nothing legitimate comes near the limit (upstreams that
// parse with a recursion limit stop at about 1000). Objects and arrays: each costs the heap 15-20 times its
// two or three bytes of text, so 8 MB of `[{},{},...]` took 600 MB; they and the values in them are
// counted in the raw bytes before parsing (strings skipped: braces and commas in text do not count), at
// about 4% of what parsing costs, bounded per body and charged to the body budget.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalidRequest, type ProxyError } from '../errors.ts';
import { chargeParsedBody } from './body-budget.ts';

/** Deepest nesting accepted: the top-level object is level 1. Serializing 1000 levels uses about a fifth of the stack. */
export const MAX_JSON_DEPTH = 1000;
/**
 * Most objects and arrays one body may hold. A long agent conversation with tools holds a few thousand;
 * this many cost the heap at most about 13 MB.
 */
export const MAX_JSON_CONTAINERS = 200_000;
/** Most commas (values in objects and arrays, less one each): a million values cost the heap about 16 MB. */
export const MAX_JSON_COMMAS = 1_000_000;
/** What an object or array costs the heap beyond its text (measured: 64 bytes for `{}`), charged to the body budget. */
export const CONTAINER_HEAP_BYTES = 64;
/** What a value in an array or object costs beyond its text (a slot, and a number or string of its own). */
export const VALUE_HEAP_BYTES = 16;
/** How many segments of the path to the too-deep value name the field at fault (`tools[0].function.parameters`). */
const NAMED_SEGMENTS = 4;

interface Frame {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Frame | null;
}

/** The path to the first value nested deeper than `maxDepth`, or null. Iterative, so any depth is safe. */
export function tooDeepPath(root: unknown, maxDepth: number = MAX_JSON_DEPTH): (string | number)[] | null {
  if (root === null || typeof root !== 'object') return null;
  const stack: Frame[] = [{ value: root, depth: 1, key: null, parent: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.depth > maxDepth) {
      const path: (string | number)[] = [];
      for (let at: Frame | null = frame; at !== null && at.key !== null; at = at.parent) path.push(at.key);
      return path.reverse();
    }
    const push = (key: string | number, child: unknown) => {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
    };
    if (Array.isArray(frame.value)) frame.value.forEach((child, index) => push(index, child));
    else for (const key of Object.keys(frame.value as object)) push(key, (frame.value as Record<string, unknown>)[key]);
  }
  return null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;

export interface JsonShape {
  /** Objects and arrays. */
  containers: number;
  /** Commas between values (one fewer than the values of each object and array). */
  commas: number;
}

/**
 * The objects, arrays and commas of a JSON text, outside strings, counted until one count passes its limit.
 * Linear, with native searches: strings are jumped over, not walked.
 */
export function jsonShape(bytes: Buffer, maxContainers: number = MAX_JSON_CONTAINERS, maxCommas: number = MAX_JSON_COMMAS): JsonShape {
  const shape: JsonShape = { containers: 0, commas: 0 };
  // The next position of each structural byte, searched for again only once passed.
  const next = [bytes.indexOf(OPEN_BRACE), bytes.indexOf(OPEN_BRACKET), bytes.indexOf(COMMA)];
  const markers = [OPEN_BRACE, OPEN_BRACKET, COMMA];
  let at = 0;
  while (at < bytes.length) {
    const quote = bytes.indexOf(QUOTE, at);
    const stringStart = quote === -1 ? bytes.length : quote;
    for (let kind = 0; kind < 3; kind++) {
      while (next[kind] !== -1 && next[kind] < stringStart) {
        if (kind === 2) {
          if (++shape.commas > maxCommas) return shape;
        } else if (++shape.containers > maxContainers) return shape;
        next[kind] = bytes.indexOf(markers[kind], next[kind] + 1);
      }
    }
    if (quote === -1) break;
    // The closing quote: the first one not escaped (preceded by an even number of backslashes).
    let end = quote + 1;
    for (;;) {
      end = bytes.indexOf(QUOTE, end);
      if (end === -1) return shape;
      let backslashes = 0;
      while (bytes[end - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) break;
      end++;
    }
    at = end + 1;
    // What lies inside the string does not count.
    for (let kind = 0; kind < 3; kind++) if (next[kind] !== -1 && next[kind] < at) next[kind] = bytes.indexOf(markers[kind], at);
  }
  return shape;
}

/**
 * The answer for a body too dense with objects, arrays or values: a 400 beyond MAX_JSON_CONTAINERS or
 * MAX_JSON_COMMAS, a 503 when what they cost would take the bodies held over MAX_BODY_BYTES_IN_FLIGHT; null
 * when it may be parsed. Small bodies (most) skip the count: 64 KB of text cannot cost the heap much.
 */
function containerProblem(request: FastifyRequest, bytes: Buffer): ProxyError | null {
  if (bytes.length < 64 * 1024) return null;
  const { containers, commas } = jsonShape(bytes);
  if (containers > MAX_JSON_CONTAINERS || commas > MAX_JSON_COMMAS) {
    return invalidRequest(`Invalid request: the request body holds more than ${MAX_JSON_CONTAINERS} JSON objects and arrays, or more than ${MAX_JSON_COMMAS} values in them`, null, 'json_too_complex');
  }
  // A body counts for its bytes or for what its objects and values cost, whichever is more: the budget's
  // bytes already stand for an ordinary body's parsed form.
  return chargeParsedBody(request, containers * CONTAINER_HEAP_BYTES + commas * VALUE_HEAP_BYTES - bytes.length);
}

type JsonParser = (request: FastifyRequest, body: string, done: (error: Error | null, body?: unknown) => void) => void;

/** Fastify's JSON parser preceded by the container bound; the raw bytes are handed to `keep` first. */
export function boundedJsonParser(parse: JsonParser, keep?: (request: FastifyRequest, raw: Buffer) => void) {
  return (request: FastifyRequest, raw: string | Buffer, done: (error: Error | null, body?: unknown) => void): void => {
    const bytes = raw as Buffer;
    const problem = containerProblem(request, bytes);
    if (problem) {
      done(problem);
      return;
    }
    keep?.(request, bytes);
    parse(request, bytes.toString('utf8'), done);
  };
}

/** `tools[0].function.parameters` from path segments. */
function paramOf(path: (string | number)[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
}

async function jsonLimits(app: FastifyInstance): Promise<void> {
  // The service's JSON parser for every route that keeps Fastify's (the passthrough has its own, bounded too).
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, boundedJsonParser(parse));
  app.addHook('preValidation', (request, _reply, done) => done(tooDeepError(request) ?? undefined));
}

/** The 400 for a body nested deeper than MAX_JSON_DEPTH, else null. */
function tooDeepError(request: FastifyRequest): ProxyError | null {
  const body = request.body;
  if (body === null || typeof body !== 'object') return null;
  // A body of fewer bytes than twice the limit cannot nest that deep: most requests skip the walk.
  const length = Number(request.headers['content-length']);
  if (Number.isFinite(length) && length < 2 * MAX_JSON_DEPTH) return null;
  const path = tooDeepPath(body);
  if (path === null) return null;
  const param = paramOf(path.slice(0, NAMED_SEGMENTS)) || null;
  return invalidRequest(`Invalid request: '${param ?? 'the request body'}' is nested more than ${MAX_JSON_DEPTH} levels deep`, param, 'json_too_deep');
}

export const jsonLimitsPlugin = fp(jsonLimits, { name: 'json-limits', fastify: '5.x', dependencies: ['error-handler'] });
