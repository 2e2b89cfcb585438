// Builds the two bundles GitHub runs: dist/index.js (main) and dist/cleanup/index.js (post), minified by
// ncc, with the licences of bundled packages beside each.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const ncc = (entry, out) =>
  execFileSync(
    'npx',
    ['ncc', 'build', entry, '-o', out, '--minify', '--license', 'licenses.txt', '--quiet'],
    {
      stdio: 'inherit',
    },
  );

rmSync('dist', { recursive: true, force: true });
ncc('src/index.ts', 'dist');
ncc('src/post.ts', 'dist/cleanup');
