// The layers of src/ (README, Development): each folder imports only what lies below it. Read from the
// import statements of every source file, so a new file that reaches upward fails here.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';

const SRC = new URL('../src/', import.meta.url).pathname;

// Top-level leaves every layer may use: the error catalogue, the config (its type, the configuration file's
// parser and schema) and the routing it configures.
const LEAVES = ['errors.ts', 'config.ts', 'config-file.ts', 'config-file-schema.ts', 'routing.ts'];
/** What each folder may import, besides itself and the leaves. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  wire: [],
  stream: ['wire'],
  translate: ['wire', 'stream'],
  count: ['wire', 'translate'],
  upstream: ['wire'],
  // The Responses API's state (the store behind its interface, history resolution).
  state: ['wire', 'translate'],
  http: ['wire', 'stream', 'translate', 'count', 'upstream', 'schemas'],
  routes: ['wire', 'stream', 'translate', 'count', 'upstream', 'state', 'http', 'schemas'],
  schemas: [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)\b[^'"]*?from '(\.[^']+)'|^import '(\.[^']+)'/gm)].map((match) => resolve(dirname(file), match[1] ?? match[2]));
}

/** `translate` for src/translate/openai-chat/x.ts, the file name for top-level files. */
const layerOf = (path: string) => relative(SRC, path).split('/')[0];

t.test('every import in src/ goes down the layers', async (t) => {
  const wrong: string[] = [];
  let checked = 0;
  for (const file of sourceFiles(SRC)) {
    const from = layerOf(file);
    const allowed = ALLOWED[from];
    for (const target of importsOf(file)) {
      checked++;
      const to = layerOf(target);
      if (to === from || LEAVES.includes(to)) continue;
      // Top-level modules (app.ts, main.ts, logging.ts, ...) wire the layers together.
      if (allowed === undefined) continue;
      if (!allowed.includes(to)) wrong.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  t.ok(checked > 100, `${checked} imports read`);
  t.strictSame(wrong, []);
});

t.test('nothing but app.ts imports a route', async (t) => {
  const importers = sourceFiles(SRC).filter((file) => importsOf(file).some((target) => layerOf(target) === 'routes' && layerOf(file) !== 'routes'));
  t.strictSame(importers.map((file) => relative(SRC, file)), ['app.ts']);
});

t.test('the leaves import no layer', async (t) => {
  for (const leaf of LEAVES) {
    const layers = importsOf(join(SRC, leaf)).map(layerOf).filter((layer) => layer !== 'wire' && !LEAVES.includes(layer));
    t.strictSame(layers, [], leaf);
  }
});
