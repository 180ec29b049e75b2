// The host scripts as files: shellcheck-clean (where shellcheck is installed, every file under scripts/lib/
// checked through lib.sh, which sources it) and executable.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { REPO, ROOT_SCRIPTS } from '../helpers/scripts.ts';

// shellcheck is slow to start on a busy machine.
t.setTimeout(120_000);

const hasShellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;
t.test('every script is shellcheck-clean', { skip: hasShellcheck ? false : 'shellcheck is not installed' }, async (t) => {
  const files = [...ROOT_SCRIPTS, 'scripts/lib.sh'];
  const result = spawnSync('shellcheck', ['-x', ...files], { cwd: REPO, encoding: 'utf8' });
  t.equal(result.status, 0, result.stdout + result.stderr);
});

t.test('lib.sh sources every file of scripts/lib/ (so that shellcheck -x checks them all)', async (t) => {
  const loader = readFileSync(join(REPO, 'scripts', 'lib.sh'), 'utf8');
  const parts = readdirSync(join(REPO, 'scripts', 'lib')).filter((name) => name.endsWith('.sh'));
  t.ok(parts.length >= 5, 'split by concern');
  for (const part of parts) t.match(loader, new RegExp(`^\\. "\\$ROOT/scripts/lib/${part.replace('.', '\\.')}"$`, 'm'), part);
});

t.test('the scripts are executable', async (t) => {
  for (const script of ROOT_SCRIPTS) {
    t.ok(statSync(join(REPO, script)).mode & 0o100, `${script} has the executable bit`);
  }
});
