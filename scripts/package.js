// Builds the bundles: dist/index.js (main step), dist/cleanup/index.js (post step) and dist/refresh/index.js
// (the credential_process of refresh-credentials), minified by
// ncc (which type-checks them with src/tsconfig.json), with the licences of bundled packages beside each.
// The new bundles replace dist/ only once all have built.
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';

const ncc = (entry, out) =>
  execFileSync(
    'npx',
    ['ncc', 'build', entry, '-o', out, '--minify', '--license', 'licenses.txt', '--quiet'],
    { stdio: 'inherit' },
  );

// A folder of this run's own, so that two builds at once can't mix their files.
const next = `dist.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });
ncc('src/index.ts', next);
ncc('src/post.ts', `${next}/cleanup`);
ncc('src/refresh.ts', `${next}/refresh`);
rmSync('dist', { recursive: true, force: true });
renameSync(next, 'dist');
