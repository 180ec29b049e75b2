// The service's node flags are written once, in package.json ("config": {"node_flags"}), and every launcher
// takes them from there: npm start, the image (both runtimes, through the build), the host scripts, the bench,
// the soak and, through the image's entrypoint, the Kubernetes manifests. Its environment ("service_env")
// likewise, except that the image sets it in its ENV lines (test/docker checks them against package.json).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../scripts/node-flags.ts';
import { REPO } from '../helpers/scripts.ts';

const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { config: { node_flags: string; service_env: string }; scripts: Record<string, string> };

t.test('package.json holds the flags, and npm start uses them', async (t) => {
  t.match(manifest.config.node_flags, /^--\S+( --\S+)*$/, 'flags, space-separated');
  t.same(SERVICE_NODE_FLAGS, manifest.config.node_flags.split(' '));
  t.match(manifest.scripts.start, / node \$npm_package_config_node_flags dist\/main\.js$/);
  t.match(manifest.config.service_env, /^[A-Z_]+=\S+( [A-Z_]+=\S+)*$/, 'NAME=VALUE pairs, space-separated');
  t.same(Object.entries(SERVICE_ENV).map(([name, value]) => `${name}=${value}`), manifest.config.service_env.split(' '));
  t.match(manifest.scripts.start, / env \$npm_package_config_service_env node /, 'npm start sets the environment');
});

t.test('no other file of the project spells a flag out (the Markdown docs and tests aside)', async (t) => {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\n')
    .filter((file) => file !== '' && file !== 'package.json' && file !== 'package-lock.json' && !file.startsWith('test/') && !file.endsWith('.md'));
  for (const flag of SERVICE_NODE_FLAGS) {
    const name = flag.split('=')[0]!;
    const spelled = files.filter((file) => {
      try {
        return readFileSync(join(REPO, file), 'utf8').includes(name);
      } catch {
        return false;
      }
    });
    t.same(spelled, [], `${name} appears only in package.json`);
  }
});
