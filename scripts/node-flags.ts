// The service's node flags, kept once in package.json ("config": {"node_flags"}) for every launcher: npm start
// reads them as $npm_package_config_node_flags, the image build writes them for its entrypoint, the host
// scripts get them from scripts/settings.ts, and the bench and the soak start the service with them.
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { config?: { node_flags?: string } };

export const SERVICE_NODE_FLAGS: readonly string[] = Object.freeze((manifest.config?.node_flags ?? '').split(/\s+/).filter((flag) => flag !== ''));
