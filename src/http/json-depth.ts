// A bound on how deeply a JSON body may nest. Parsing is iterative, but serializing (the upstream request,
// a re-written passthrough body), schema checks and token estimates recurse: a body nested 100k levels
// deep overflowed the stack there and was a 500. Checked once per body, before anything else reads it;
// nothing legitimate comes near the limit (upstreams that parse with a recursion limit stop at about 1000).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../errors.ts';

/** Deepest nesting accepted: the top-level object is level 1. Serializing 1000 levels uses about a fifth of the stack. */
export const MAX_JSON_DEPTH = 1000;
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

/** `tools[0].function.parameters` from path segments. */
function paramOf(path: (string | number)[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
}

async function jsonDepth(app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', async (request) => {
    const body = request.body;
    if (body === null || typeof body !== 'object') return;
    // A body of fewer bytes than twice the limit cannot nest that deep: most requests skip the walk.
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length < 2 * MAX_JSON_DEPTH) return;
    const path = tooDeepPath(body);
    if (path === null) return;
    const param = paramOf(path.slice(0, NAMED_SEGMENTS)) || null;
    throw invalidRequest(`Invalid request: '${param ?? 'the request body'}' is nested more than ${MAX_JSON_DEPTH} levels deep`, param, 'json_too_deep');
  });
}

export const jsonDepthPlugin = fp(jsonDepth, { name: 'json-depth', fastify: '5.x', dependencies: ['error-handler'] });
