// Preflight of `npm test`, `npm start` and `npm run dev`: on a Node older than package.json's "engines" it
// stops at once with one line naming the version needed, instead of failing later in ways that do not say
// why (an unknown ".ts" extension, a missing API). CommonJS with nothing newer than Node 8 in it, so that
// any Node that can start can run it; `npm ci` gets the same check from engine-strict in .npmrc.
'use strict';
const { readFileSync } = require('fs');
const { join } = require('path');

const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
const range = (manifest.engines && manifest.engines.node) || '';
const minimum = /^>=\s*v?(\d+(?:\.\d+){0,2})$/.exec(range.trim());
if (!minimum) {
  process.stderr.write(`anthropic-proxy: package.json "engines.node" is ${JSON.stringify(range)}, expected ">=X.Y.Z"\n`);
  process.exit(1);
}
const parts = (version) => version.split('.').map((part) => parseInt(part, 10) || 0);
const have = parts(process.versions.node);
const want = parts(minimum[1]);
let older = false;
for (let i = 0; i < 3; i++) {
  if ((have[i] || 0) !== (want[i] || 0)) {
    older = (have[i] || 0) < (want[i] || 0);
    break;
  }
}
if (older) {
  process.stderr.write(
    `anthropic-proxy needs Node >= ${minimum[1]}, this is Node ${process.versions.node} (${process.execPath}): ` +
      `install a newer one from https://nodejs.org or with nvm (nvm install ${want[0]})\n`,
  );
  process.exit(1);
}
