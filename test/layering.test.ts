// The layers of src/ (docs/development.md): each folder imports only what lies below it. Read from the
// import statements of every source file, so a new file that reaches upward fails here.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';

const SRC = new URL('../src/', import.meta.url).pathname;

// Top-level leaves every layer may use: the error catalogue, the config (its type, the configuration file's
// parser and schema), the routing it configures and the client keys (with their stores' interfaces).
const LEAVES = ['errors.ts', 'config.ts', 'config-file.ts', 'config-file-schema.ts', 'routing.ts', 'client-keys.ts'];
/** What each folder may import, besides itself and the leaves. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // The JSON schemas are the bottom: plain data, and the source of the request types `wire` derives from them.
  schemas: [],
  wire: ['schemas'],
  stream: ['wire'],
  // Capability profiles per provider and model: data, and the pure adapter that applies them.
  profiles: ['wire'],
  translate: ['wire', 'stream', 'profiles'],
  count: ['wire', 'translate'],
  upstream: ['wire'],
  // The Responses API's state (the store behind its interface, history resolution).
  state: ['wire', 'translate'],
  http: ['wire', 'stream', 'translate', 'profiles', 'count', 'upstream', 'schemas'],
  routes: ['wire', 'stream', 'translate', 'profiles', 'count', 'upstream', 'state', 'http', 'schemas'],
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

/**
 * Inside translate/, what each sub-folder may import besides itself: anthropic/ is the Anthropic side both
 * OpenAI surfaces translate to, openai-common/ the rules the two surfaces share; a surface never imports the
 * other, and nothing lies loose in translate/ outside the sub-folders.
 */
const TRANSLATE_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  anthropic: [],
  'openai-common': ['anthropic'],
  'openai-chat': ['anthropic', 'openai-common'],
  'openai-responses': ['anthropic', 'openai-common'],
};
const TRANSLATE = join(SRC, 'translate');

/** `openai-chat` for src/translate/openai-chat/x.ts, null outside translate/ (a file directly in it: its name). */
const translatePartOf = (path: string) => (layerOf(path) === 'translate' ? relative(TRANSLATE, path).split('/')[0] : null);

/** The imports inside translate/ that cross its sub-folders the wrong way, as `from imports to` lines. */
function wrongTranslateImports(files: ReadonlyArray<{ file: string; imports: readonly string[] }>): string[] {
  const wrong: string[] = [];
  for (const { file, imports } of files) {
    const from = translatePartOf(file);
    if (from === null) continue;
    const allowed = TRANSLATE_ALLOWED[from];
    if (allowed === undefined) {
      wrong.push(`${relative(SRC, file)} lies outside the sub-folders of translate/`);
      continue;
    }
    for (const target of imports) {
      const to = translatePartOf(target);
      if (to === null || to === from) continue;
      if (!allowed.includes(to)) wrong.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  return wrong;
}

t.test('inside translate/: anthropic and openai-common import no surface, a surface never the other one', async (t) => {
  const files = sourceFiles(TRANSLATE).map((file) => ({ file, imports: importsOf(file) }));
  t.ok(files.length > 30, `${files.length} files read`);
  t.strictSame(wrongTranslateImports(files), []);
  // The rule must be able to fail: the imports a reviewer would refuse are caught.
  const at = (path: string) => join(TRANSLATE, path);
  t.strictSame(
    wrongTranslateImports([
      { file: at('openai-responses/request.ts'), imports: [at('openai-chat/tools.ts'), at('openai-common/model.ts'), at('anthropic/request.ts')] },
      { file: at('openai-chat/request.ts'), imports: [at('openai-responses/tools.ts')] },
      { file: at('anthropic/request.ts'), imports: [at('openai-common/user-id.ts')] },
      { file: at('openai-common/tools.ts'), imports: [at('openai-chat/tools.ts'), join(SRC, 'wire/anthropic.ts')] },
      { file: at('loose.ts'), imports: [] },
    ]),
    [
      'translate/openai-responses/request.ts imports translate/openai-chat/tools.ts',
      'translate/openai-chat/request.ts imports translate/openai-responses/tools.ts',
      'translate/anthropic/request.ts imports translate/openai-common/user-id.ts',
      'translate/openai-common/tools.ts imports translate/openai-chat/tools.ts',
      'translate/loose.ts lies outside the sub-folders of translate/',
    ],
  );
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
