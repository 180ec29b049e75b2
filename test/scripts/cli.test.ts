// The host scripts' surface without a running service: --help, bad arguments, the prerequisite checks of pid
// mode (each with its fix command), docker mode refused where it cannot work, colour only on a terminal.
// No build here: every case stops before a service would start.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { alive, projectCopy, ROOT_SCRIPTS, scriptEnv } from '../helpers/scripts.ts';

t.setTimeout(120_000);

const copy = await projectCopy(t);

t.test('every script has --help, exits 0 and prints only its usage', async (t) => {
  for (const script of ROOT_SCRIPTS) {
    for (const flag of ['--help', '-h']) {
      const result = await copy.run(script, [flag]);
      t.equal(result.code, 0, `${script} ${flag}`);
      t.match(result.stdout, new RegExp(`^Usage: \\./${script.replace('.', '\\.')} `), `${script} ${flag}`);
      t.match(result.stdout, /--mode MODE/);
      t.equal(result.stderr, '');
    }
  }
});

t.test('unknown options and modes exit 2 with a pointer to --help (status.sh: 4, LSB "unknown")', async (t) => {
  const unknown = await copy.run('status.sh', ['--bogus']);
  t.equal(unknown.code, 4, 'LSB status codes reserve 2 for "dead, /var/lock file exists"');
  t.match(unknown.stderr, /error: unknown option: --bogus\nRun \.\/status\.sh --help for the options\./);
  t.equal((await copy.run('status.sh', ['--mode', 'podman'])).code, 4);
  t.equal((await copy.run('status.sh', [], { STOP_TIMEOUT: 'soon' })).code, 4, 'a bad setting too');
  t.equal((await copy.run('stop.sh', ['--bogus'])).code, 2, 'the other scripts keep 2');
  const misplaced = await copy.run('start.sh', ['--json']);
  t.equal(misplaced.code, 2);
  t.match(misplaced.stderr, /\.\/start\.sh does not take --json/);
  const badMode = await copy.run('start.sh', ['--mode', 'podman']);
  t.equal(badMode.code, 2);
  t.match(badMode.stderr, /unknown mode "podman": use docker, pid or auto/);
  const badEnvMode = await copy.run('start.sh', [], { PROXY_MODE: 'kubernetes' });
  t.equal(badEnvMode.code, 2);
});

t.test('a missing build is reported with the command that fixes it (run.sh, start.sh, run.sh -b)', async (t) => {
  for (const [script, args, action] of [['run.sh', [], 'run'], ['start.sh', [], 'start'], ['run.sh', ['-b'], 'start']] as const) {
    const result = await copy.run(script, [...args]);
    t.equal(result.code, 5, `${script} ${args.join(' ')}`);
    t.match(result.stdout, new RegExp(`^anthropic-proxy ${action}: pid mode \\(PROXY_MODE=pid\\)\\n`), 'the first line names the mode');
    t.match(result.stderr, new RegExp(`error: the service is not built \\(dist/main\\.js is missing\\)\\n {2}fix: cd ${copy.dir} && npm run build\\n`));
  }
});

t.test('a build older than src/ is reported as out of date', async (t) => {
  mkdirSync(copy.path('dist'));
  writeFileSync(copy.path('dist', 'main.js'), '');
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(copy.path('dist', 'main.js'), old, old);
  t.teardown(() => rmSync(copy.path('dist'), { recursive: true, force: true }));
  const result = await copy.run('run.sh');
  t.equal(result.code, 5);
  t.match(result.stderr, /error: the build is out of date \(\S+ is newer than dist\/main\.js\)\n {2}fix: cd \S+ && npm run build/);
});

t.test('missing dependencies are reported with npm ci', async (t) => {
  const bare = await projectCopy(t, { nodeModules: false });
  const result = await bare.run('run.sh');
  t.equal(result.code, 5);
  t.match(result.stderr, /error: dependencies are not installed \(missing: .*fastify.*\)\n {2}fix: cd \S+ && npm ci\n/);
});

t.test('Node older than the engines minimum is refused with the way to get a newer one', async (t) => {
  const engines = (JSON.parse(readFileSync(copy.path('package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  t.equal(engines, '>=22.19.0', 'the minimum the cases below are written for');
  // A stand-in that reports VERSION for `node -p process.versions.node` and hands everything else to the real node.
  const fakeBin = copy.path('fake-node');
  mkdirSync(fakeBin);
  writeFileSync(`${fakeBin}/node`, `#!/bin/sh\n[ "$1" = -p ] && { echo "$FAKE_NODE_VERSION"; exit 0; }\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
  const withNode = (version: string) => copy.run('run.sh', [], { PATH: `${fakeBin}:/usr/bin:/bin`, FAKE_NODE_VERSION: version });
  for (const version of ['20.11.0', '22.18.1', '22.9.0', '21.99.99']) {
    const result = await withNode(version);
    t.equal(result.code, 5, version);
    t.match(result.stderr, new RegExp(`error: Node ${version.replace(/\./g, '\\.')} is too old \\(pid mode needs Node >= 22\\.19\\.0\\)\\n {2}fix: install Node 22\\.19\\.0 or newer from https://nodejs\\.org, or with nvm: nvm install 22\\n`));
  }
  for (const version of ['22.19.0', '22.20.1', '23.1.0', '24.0.0-pre']) {
    const result = await withNode(version);
    t.notMatch(result.stderr, /too old/, `${version} passes`);
    t.match(result.stderr, /the service is not built/, `${version}: on to the next check`);
  }
});

t.test('nothing running: status 3 (text and JSON), stop exits 0', async (t) => {
  const status = await copy.run('status.sh');
  t.equal(status.code, 3);
  t.match(status.stdout, /^anthropic-proxy status: pid mode \(PROXY_MODE=pid\)\n/);
  const json = await copy.run('status.sh', ['--json']);
  t.equal(json.code, 3);
  t.match(JSON.parse(json.stdout), { mode: 'pid', state: 'stopped', healthy: false, exit_code: 3 });
  const stop = await copy.run('stop.sh');
  t.equal(stop.code, 0);
  t.match(stop.stdout, /not running \(no PID file at anthropic-proxy\.pid\)/);
});

t.test('a PID file naming no live process: stop reports it, removes it, exits 0', async (t) => {
  writeFileSync(copy.path('anthropic-proxy.pid'), '999999999\n');
  const stop = await copy.run('stop.sh');
  t.equal(stop.code, 0);
  t.match(stop.stdout, /^anthropic-proxy stop: pid mode \(found: PID file anthropic-proxy\.pid \(stale\)\)\n/);
  t.match(stop.stdout, /not running: stale PID file anthropic-proxy\.pid \(PID 999999999 is not running\); removed it/);
  t.equal(copy.pid(), null);
});

t.test('a PID file naming an unrelated live process: it is stale, and that process is never signalled', async (t) => {
  // Another node program, and one that even runs "dist/main.js" but from another directory: a recycled PID.
  const others = [
    spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { cwd: copy.dir, stdio: 'ignore' }),
    spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'dist/main.js'], { cwd: tmpdir(), stdio: 'ignore' }),
  ];
  t.teardown(() => others.forEach((child) => child.kill('SIGKILL')));
  for (const other of others) {
    const pid = other.pid!;
    writeFileSync(copy.path('anthropic-proxy.pid'), `${pid}\n`);
    const status = await copy.run('status.sh');
    t.equal(status.code, 1, status.stdout);
    t.match(status.stdout, new RegExp(`dead: stale PID file anthropic-proxy\\.pid \\(PID ${pid} is another program, not this service\\)`));
    const stop = await copy.run('stop.sh');
    t.equal(stop.code, 0, stop.stdout + stop.stderr);
    t.match(stop.stdout, new RegExp(`not running: stale PID file anthropic-proxy\\.pid \\(PID ${pid} is another program, not this service\\); removed it`));
    t.notMatch(stop.stdout, /SIGTERM/);
    t.equal(copy.pid(), null, 'the PID file is removed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    t.ok(alive(pid), 'the unrelated process still runs');
  }
});

t.test('docker mode is refused with the reason where it cannot work', async (t) => {
  const result = await copy.run('start.sh', ['--mode', 'docker']);
  t.equal(result.code, 5);
  t.match(result.stdout, /^anthropic-proxy start: docker mode \(--mode\)\n/);
  t.match(result.stderr, /docker mode is not usable here: (no compose file in the repository|docker is not installed)/);
  for (const script of ['stop.sh', 'status.sh']) {
    const refused = await copy.run(script, ['--mode', 'docker']);
    t.equal(refused.code, script === 'status.sh' ? 4 : 5, script);
    t.match(refused.stdout, new RegExp(`^anthropic-proxy ${script.replace('.sh', '')}: docker mode \\(--mode\\)\\n`), `${script}: the mode line first`);
    t.match(refused.stderr, /docker mode is not usable here/);
  }
  const auto = await copy.run('status.sh', [], { PROXY_MODE: 'auto' });
  t.match(auto.stdout, /^anthropic-proxy status: pid mode \(auto: (no compose file in the repository|docker is not installed)\)\n/);
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
t.test('colour on a terminal only, and never with NO_COLOR', { skip: hasScript ? false : 'script (util-linux, for a pseudo-terminal) is not installed' }, async (t) => {
  const onTerminal = (extra: Record<string, string>) =>
    spawnSync('script', ['-qec', './status.sh', '/dev/null'], { cwd: copy.dir, env: scriptEnv({ TERM: 'xterm', ...extra }), encoding: 'utf8' }).stdout;
  t.match(onTerminal({}), /\x1b\[1manthropic-proxy status:/, 'bold mode line on a terminal');
  t.notMatch(onTerminal({ NO_COLOR: '1' }), /\x1b\[/, 'no colour with NO_COLOR');
  t.notMatch((await copy.run('status.sh')).stdout, /\x1b\[/, 'no colour into a pipe');
});
