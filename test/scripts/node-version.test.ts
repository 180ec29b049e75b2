// A Node older than package.json's "engines" is refused in seconds with one line naming the version needed:
// `npm test`, `npm start` and `npm run dev` through the preflight scripts/check-node.cjs, `npm ci` through
// engine-strict in .npmrc. Driven with a real older Node where the machine has one (Debian's node, the
// system Node of CI's machine), else with the versions faked inside the preflight's process.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { REPO } from '../helpers/scripts.ts';

t.setTimeout(60_000);

const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };
const minimum = manifest.engines.node.replace(/^>=\s*/, '');
const NEEDS = new RegExp(`^anthropic-proxy needs Node >= ${minimum.replace(/\./g, '\\.')}, this is Node (\\S+) \\(.+\\): install a newer one from https://nodejs\\.org or with nvm \\(nvm install ${minimum.split('.')[0]}\\)$`);

function olderSystemNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (candidate === process.execPath) continue;
    const probe = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const [major = 0, minor = 0] = probe.stdout.trim().split('.').map(Number);
    const [wantMajor = 0, wantMinor = 0] = minimum.split('.').map(Number);
    if (major < wantMajor || (major === wantMajor && minor < wantMinor)) return candidate;
  }
  return null;
}

t.test('the preflight passes silently on this Node and on the minimum itself', async (t) => {
  const here = spawnSync(process.execPath, ['scripts/check-node.cjs'], { cwd: REPO, encoding: 'utf8' });
  t.same([here.status, here.stdout, here.stderr], [0, '', '']);
  const fake = `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(minimum)} })`;
  const exact = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(fake)}`, 'scripts/check-node.cjs'], { cwd: REPO, encoding: 'utf8' });
  t.same([exact.status, exact.stderr], [0, ''], `${minimum} itself is enough`);
});

t.test('the preflight refuses older versions with one line', async (t) => {
  for (const version of ['20.20.2', '22.18.9', '21.99.0', '8.0.0']) {
    const fake = `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} })`;
    const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(fake)}`, 'scripts/check-node.cjs'], { cwd: REPO, encoding: 'utf8' });
    t.equal(result.status, 1, version);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    t.equal(lines.length, 1, `${version}: one line`);
    t.match(lines[0], NEEDS);
    t.equal(NEEDS.exec(lines[0]!)?.[1], version);
  }
});

t.test('npm test, npm start and npm run dev run the preflight first; .npmrc makes npm ci strict', async (t) => {
  for (const name of ['test', 'start', 'dev']) t.match(manifest.scripts[name], /^node scripts\/check-node\.cjs && /, name);
  t.match(readFileSync(join(REPO, '.npmrc'), 'utf8'), /^engine-strict=true$/m);
});

const older = olderSystemNode();
t.test('with a real older Node: npm ci, npm test and npm start each fail in seconds naming the version needed', { skip: older ? false : 'no Node older than the engines minimum on this machine' }, async (t) => {
  // The older Node's own npm, found beside it; nothing of the test's PATH (which starts with the newer Node).
  const env = { PATH: `${join(older!, '..')}:/usr/bin:/bin`, HOME: process.env.HOME ?? tmpdir(), NO_COLOR: '1' };
  const npm = (args: string[], cwd: string) => {
    const started = Date.now();
    const result = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 30_000 });
    return { ...result, ms: Date.now() - started };
  };
  for (const script of ['test', 'start']) {
    const result = npm([script], REPO);
    t.equal(result.status, 1, `npm ${script}`);
    t.ok(result.ms < 15_000, `npm ${script} took ${result.ms} ms`);
    t.equal(result.stderr.split('\n').filter((line) => NEEDS.test(line)).length, 1, `npm ${script}: the line, once: ${result.stderr}`);
    t.notMatch(result.stderr, /ERR_UNKNOWN_FILE_EXTENSION|error TS|Server listening/, `npm ${script}: nothing ran after it`);
    t.notMatch(result.stdout, /^# \{ total|Server listening/m, `npm ${script}: nothing ran after it`);
  }
  // npm ci in a folder with only the manifest, the lock file and .npmrc: refused before anything is fetched.
  const dir = mkdtempSync(join(tmpdir(), 'proxy-npm-ci-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const file of ['package.json', 'package-lock.json', '.npmrc']) copyFileSync(join(REPO, file), join(dir, file));
  const ci = npm(['ci', '--no-audit', '--no-fund'], dir);
  t.not(ci.status, 0, 'npm ci fails');
  t.ok(ci.ms < 15_000, `npm ci took ${ci.ms} ms`);
  t.match(ci.stderr, /EBADENGINE/);
  t.match(ci.stderr, new RegExp(`Required: \\{"node":">=${minimum.replace(/\./g, '\\.')}"\\}`), 'the version needed is named');
  t.notOk(existsSync(join(dir, 'node_modules', 'fastify')), 'nothing was installed');
});
