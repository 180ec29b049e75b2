// What the host scripts (scripts/lib/*.sh) know of the configuration, read by the service's own reader
// (src/config.ts: the environment over .env, Node's .env parser), so that the shell and the service can never
// disagree on quoting, comments or `export`. Prints shell assignments for `eval`, each value in single quotes:
//   SETTING_PORT='5000'          the service's variables, with the service's defaults (trimmed as it trims them)
//   SETTING_PID_FILE='x.pid'     the scripts' own variables, only when set (the scripts hold their defaults)
//   NODE_FLAGS='...' SERVICE_ENV='...' VERSION='...'  the service's node flags, environment and version, from package.json
// Exit 6 with one line when the configuration cannot be read (an unreadable .env).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, CONFIG_DEFAULTS, readVariables } from '../src/config.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from './node-flags.ts';

const SERVICE_VARIABLES = ['PORT', 'HOST', 'LOG_DIR'] as const;
const SCRIPT_VARIABLES = ['PROXY_MODE', 'PID_FILE', 'STOP_TIMEOUT', 'START_TIMEOUT'] as const;

const quoted = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

try {
  const dotenvPath = fileURLToPath(new URL('../.env', import.meta.url));
  const values = readVariables([...SERVICE_VARIABLES, ...SCRIPT_VARIABLES], { dotenvPath });
  const lines: string[] = [];
  for (const name of SERVICE_VARIABLES) lines.push(`SETTING_${name}=${quoted((values[name] ?? CONFIG_DEFAULTS[name]).trim())}`);
  for (const name of SCRIPT_VARIABLES) if (values[name] !== undefined) lines.push(`SETTING_${name}=${quoted(values[name])}`);
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const environment = Object.entries(SERVICE_ENV).map(([name, value]) => `${name}=${value}`).join(' ');
  lines.push(`NODE_FLAGS=${quoted(SERVICE_NODE_FLAGS.join(' '))}`, `SERVICE_ENV=${quoted(environment)}`, `VERSION=${quoted(version)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`anthropic-proxy: configuration error: ${error.message}\n`);
  process.exitCode = 6;
}
