// The reference pages cover what the code has: every configuration variable has a row in docs/configuration.md
// with its real default and a line in .env.example (the README's basic settings agree with them), and every
// route the OpenAPI document lists has a row in docs/endpoints.md.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { CONFIG_DEFAULTS, type EnvName } from '../src/config.ts';
import { buildTestApp } from './helpers/app.ts';

const REPO = resolve(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

/** Rows `| \`NAME\` | default | meaning |` (also `| \`A\` / \`B\` | \`a\` / \`b\` | ... |`): name -> default as written. */
function variableRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of markdown.split('\n')) {
    const row = /^\| (`[A-Z][A-Z0-9_]*`(?: \/ `[A-Z][A-Z0-9_]*`)*) \| ([^|]*) \|/.exec(line);
    if (!row) continue;
    const names = [...row[1]!.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
    const cell = row[2]!.trim();
    const values = cell.startsWith('empty') ? [''] : [...cell.matchAll(/`([^`]*)`/g)].map((match) => match[1]!);
    names.forEach((name, index) => rows.set(name, names.length > 1 ? values[index] ?? cell : values[0] ?? cell));
  }
  return rows;
}

const names = Object.keys(CONFIG_DEFAULTS) as EnvName[];

t.test('docs/configuration.md has every variable, with its default, and nothing the service does not read', async (t) => {
  const rows = variableRows(read('docs/configuration.md'));
  for (const name of names) {
    t.ok(rows.has(name), `${name} is documented`);
    if (rows.has(name)) t.equal(rows.get(name), CONFIG_DEFAULTS[name], `${name}: the documented default is the real one`);
  }
  t.same([...rows.keys()].filter((name) => !(name in CONFIG_DEFAULTS)), [], 'no row for a variable the service does not read');
});

t.test('.env.example lists every variable', async (t) => {
  const listed = new Set([...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!));
  for (const name of names) t.ok(listed.has(name), `${name} is in .env.example`);
});

t.test("the README's basic settings agree with the service", async (t) => {
  const rows = variableRows(read('README.md'));
  t.ok(rows.size >= 5, 'the README has a settings table');
  for (const [name, value] of rows) {
    t.ok(name in CONFIG_DEFAULTS, `${name} is a variable of the service`);
    t.equal(value, CONFIG_DEFAULTS[name as EnvName], `${name}: the README's default is the real one`);
  }
});

t.test('docs/endpoints.md has a row for every route in the OpenAPI document', async (t) => {
  const { app } = await buildTestApp(t);
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  const rows = read('docs/endpoints.md').split('\n').filter((line) => line.startsWith('| `'));
  const routes = Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
  t.ok(routes.length >= 10, 'the document lists the routes');
  for (const route of [...routes, 'GET /docs', 'GET /openapi.json']) {
    t.ok(rows.some((row) => row.split('|')[1]!.includes(`\`${route}\``)), `${route} has a row`);
  }
});
