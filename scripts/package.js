// Builds the bundles: dist/index.js (main step), dist/cleanup/index.js (post step) and dist/refresh/index.js
// (the credential_process of refresh-credentials), minified by
// ncc (which type-checks them with src/tsconfig.json), with the licences of bundled packages beside each.
// The new bundles replace dist/ only once all have built.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { minify } from 'terser';

// --no-cache: ncc's webpack cache (~/.cache/ncc, one per checkout path) doesn't see tsconfig.json, whose `paths`
// give the bundle src/sdk/'s stand-ins for AWS SDK modules; a cached build made before a change to them would
// keep resolving the packages' own modules, and dist/ would differ from a clean build's.
const ncc = (entry, out) =>
  execFileSync(
    'npx',
    ['ncc', 'build', entry, '-o', out, '--minify', '--no-cache', '--license', 'licenses.txt', '--quiet'],
    { stdio: 'inherit' },
  );

// A folder of this run's own, so that two builds at once can't mix their files.
const next = `dist.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });
ncc('src/index.ts', next);
ncc('src/post.ts', `${next}/cleanup`);
ncc('src/refresh.ts', `${next}/refresh`);
await minifyChunks(next);
rmSync('dist', { recursive: true, force: true });
renameSync(next, 'dist');

/**
 * ncc's --minify minifies each entry file but not the chunks of dynamic imports (`<id>.index.js`, such as the
 * refresh process's network path, loaded only when its cache misses): terser does them with the options ncc
 * uses for the entries, so a chunk ships as small as the code around it.
 */
async function minifyChunks(root) {
  const chunks = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) =>
    /^\d+\.index\.js$/.test(path.basename(file)),
  );
  for (const chunk of chunks) {
    const file = path.join(root, chunk);
    const { code } = await minify(readFileSync(file, 'utf8'), {
      module: true,
      compress: false,
      mangle: { keep_classnames: true, keep_fnames: true },
    });
    if (code === undefined) throw new Error(`terser gave nothing for ${file}`);
    writeFileSync(file, code);
  }
}
