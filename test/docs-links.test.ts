// Every relative link in README.md and docs/**/*.md points to a file that exists, and every `#anchor` (in the
// same page or another .md page) matches a heading there, slugged as GitHub renders it.
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';

const REPO = resolve(import.meta.dirname, '..');

/** GitHub's heading ids: the rendered text lowercased, punctuation removed (letters, digits, marks, `_`, `-`
 * and spaces stay), each space a `-`; a repeated heading gets `-1`, `-2`, ... */
function slug(heading: string): string {
  const text = heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1') // a link shows its text
    .replace(/<[^>]+>/g, '');
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Lines outside fenced code blocks, with inline code spans blanked (neither holds headings or links). */
function proseLines(markdown: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      continue;
    }
    if (fence === null) lines.push(line.replace(/(`+)(?:(?!\1).)+?\1/g, (span) => ' '.repeat(span.length)));
  }
  return lines;
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of headingLines(markdown)) {
    const base = slug(line);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1]!);
  return anchors;
}

/** The text of every ATX heading, code spans kept (GitHub slugs their text). */
function headingLines(markdown: string): string[] {
  const headings: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      continue;
    }
    const heading = fence === null ? /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+\s*)?$/.exec(line) : null;
    if (heading) headings.push(heading[1]!);
  }
  return headings;
}

/** Link targets: inline `[text](target "title")` and reference definitions `[name]: target`. */
function linksOf(markdown: string): string[] {
  const targets: string[] = [];
  for (const line of proseLines(markdown)) {
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]!);
    const definition = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line);
    if (definition) targets.push(definition[1]!);
  }
  return targets;
}

/** What is wrong with the relative links of one Markdown file, as readable lines (empty when all resolve). */
function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  const source = readFileSync(file, 'utf8');
  for (const target of linksOf(source)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // http:, mailto: ...: not ours
    const [pathPart = '', anchor] = target.split('#', 2) as [string, string | undefined];
    const path = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    if (!existsSync(path)) {
      problems.push(`${target}: no file ${relative(REPO, path)}`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (statSync(path).isDirectory() || !path.endsWith('.md')) {
      problems.push(`${target}: an anchor into ${relative(REPO, path)}, which is not a Markdown page`);
      continue;
    }
    const anchors = anchorsOf(readFileSync(path, 'utf8'));
    if (!anchors.has(decodeURIComponent(anchor))) problems.push(`${target}: no heading #${anchor} in ${relative(REPO, path)}`);
  }
  return problems;
}

function markdownPages(): string[] {
  const docs = join(REPO, 'docs');
  const pages = readdirSync(docs, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.md')).map((name) => join(docs, name));
  return [join(REPO, 'README.md'), ...pages.sort()];
}

t.test('GitHub heading slugs', async (t) => {
  t.equal(slug('Scaling out: several replicas and a shared store'), 'scaling-out-several-replicas-and-a-shared-store');
  t.equal(slug('Configuration through `.env`'), 'configuration-through-env');
  t.equal(slug('response_format'), 'response_format', 'underscores stay');
  t.equal(slug('Timeouts, limits, drain and metrics'), 'timeouts-limits-drain-and-metrics');
  t.equal(slug('Keys and headers (every upstream call, translated routes included)'), 'keys-and-headers-every-upstream-call-translated-routes-included');
  t.equal(slug('See [Docker](docker.md) here'), 'see-docker-here');
  t.same([...anchorsOf('# A\n\n## A\n\n```\n# not a heading\n```\n')], ['a', 'a-1'], 'repeats numbered, code skipped');
});

t.test('the checker reports a missing file and a missing anchor, and passes good links', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'docs-links-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'other.md'), '# Other page\n\n## Some section\n');
  writeFileSync(join(dir, 'page.md'), [
    '# Page',
    '[good](sub/other.md) [good anchor](sub/other.md#some-section) [here](#page) [web](https://example.com/x#y)',
    '[missing](sub/nothing.md) [bad anchor](sub/other.md#no-such-section) [bad here](#nowhere)',
    '`[in code](nothing.md)`',
    '```', '[in a block](nothing-either.md)', '```',
    '[ref]: sub/gone.md',
  ].join('\n'));
  t.same(brokenLinks(join(dir, 'page.md')).map((line) => line.split(':')[0]), [
    'sub/nothing.md',
    'sub/other.md#no-such-section',
    '#nowhere',
    'sub/gone.md',
  ]);
});

t.test('every relative link and anchor in README.md and docs/ resolves', async (t) => {
  const pages = markdownPages();
  t.ok(pages.length > 5, 'the README and the docs pages are found');
  t.ok(pages.includes(join(REPO, 'docs', 'README.md')), 'docs/ has its index');
  for (const page of pages) {
    t.same(brokenLinks(page), [], `${relative(REPO, page)}: every link resolves`);
  }
});

t.test('every docs page is reachable from the docs index', async (t) => {
  const index = join(REPO, 'docs', 'README.md');
  const linked = new Set(linksOf(readFileSync(index, 'utf8')).map((target) => resolve(dirname(index), target.split('#')[0]!)));
  for (const page of markdownPages().filter((page) => page !== index && page.startsWith(join(REPO, 'docs')))) {
    t.ok(linked.has(page), `docs/README.md links ${relative(REPO, page)}`);
  }
});
