// One reader of .env: the host scripts get their settings from scripts/settings.ts, which reads them with
// the service's own loader (src/config.ts), so quoting, comments and line breaks mean the same to the shell
// as to the service. The environment wins, even when empty; scripts/lib/ never opens .env itself.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import t from 'tap';
import { loadConfig } from '../../src/config.ts';
import { projectCopy, REPO, scriptEnv } from '../helpers/scripts.ts';

t.setTimeout(60_000);

const copy = await projectCopy(t);

// Lines a hand-written shell parser reads differently from Node's: quotes with a # inside, trailing comments,
// spaces around values, a quote inside a quoted value, backquotes, a value over two lines.
const DOTENV = [
  `PORT=${copy.port} # the test's port`,
  'HOST="127.0.0.1"',
  'LOG_DIR=\'log files # not a comment\'',
  `PID_FILE="run/it's here.pid"`,
  'START_TIMEOUT=`12`',
  'STOP_TIMEOUT= 7 ',
  'UPSTREAM_BASE=http://127.0.0.1:9',
  'MODEL_MAP_JSON="{',
  '}"',
  '',
].join('\n');

function shellSees(env: Record<string, string> = {}): Record<string, string> {
  const script = 'eval "$(node scripts/settings.ts)"; for n in PORT HOST LOG_DIR PID_FILE START_TIMEOUT STOP_TIMEOUT PROXY_MODE; do v=SETTING_$n; printf "%s=%s\\0" "$n" "${!v-<unset>}"; done';
  const result = spawnSync('bash', ['-c', script], { cwd: copy.dir, env: scriptEnv(env), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return Object.fromEntries(result.stdout.split('\0').filter(Boolean).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

t.test('the shell sees the values the service sees', async (t) => {
  writeFileSync(copy.path('.env'), DOTENV);
  const service = loadConfig({ env: {}, dotenvPath: copy.path('.env') });
  const node = parseEnv(DOTENV);
  const seen = shellSees({ PROXY_MODE: 'pid' });
  t.equal(seen.PORT, String(service.port));
  t.equal(seen.HOST, service.host);
  t.equal(seen.LOG_DIR, service.logDir);
  t.equal(seen.LOG_DIR, 'log files # not a comment');
  t.equal(seen.PID_FILE, node.PID_FILE);
  t.equal(seen.PID_FILE, "run/it's here.pid");
  t.equal(seen.START_TIMEOUT, node.START_TIMEOUT, 'the scripts\' own variables come from the same reading');
  t.equal(seen.START_TIMEOUT, '12', 'backquotes are quotes');
  t.equal(seen.STOP_TIMEOUT, node.STOP_TIMEOUT);

  const status = await copy.run('status.sh', ['--json']);
  t.equal(status.code, 3, status.stderr);
  t.equal(JSON.parse(status.stdout).pid_file, copy.path("run/it's here.pid"), 'status.sh uses that PID file');
});

t.test('the environment wins over .env, even when empty; defaults are the service\'s', async (t) => {
  writeFileSync(copy.path('.env'), DOTENV);
  const seen = shellSees({ HOST: '::1', LOG_DIR: '' });
  t.equal(seen.HOST, '::1');
  t.equal(seen.LOG_DIR, '', 'empty in the environment: empty');
  writeFileSync(copy.path('.env'), '');
  const defaults = shellSees();
  t.equal(defaults.PORT, '5000');
  t.equal(defaults.HOST, '0.0.0.0');
  t.equal(defaults.LOG_DIR, 'logs');
  t.equal(defaults.STOP_TIMEOUT, '<unset>', 'unset stays unset: the scripts hold their own defaults');
});

t.test('an unreadable .env stops the scripts with the configuration line (exit 6)', { skip: process.getuid?.() === 0 ? 'root reads every file' : false }, async (t) => {
  writeFileSync(copy.path('.env'), 'PORT=1\n', { mode: 0o000 });
  const result = await copy.run('start.sh');
  t.equal(result.code, 6);
  t.match(result.stderr, /error: cannot read the configuration: /);
});

t.test('no file under scripts/lib/ reads .env', async (t) => {
  for (const name of readdirSync(join(REPO, 'scripts', 'lib'))) {
    t.notMatch(readFileSync(join(REPO, 'scripts', 'lib', name), 'utf8'), /\.env\b(?!\.example)["'\s]*(<|\))|<\s*"?\$ROOT\/\.env/, name);
  }
});
