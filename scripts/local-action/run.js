// `npm run local-action [-- ENV_FILE]`: runs the action's TypeScript sources with @github/local-action, the main
// step (main.ts here) and then the post step (post.ts), with the inputs and environment ENV_FILE sets (default
// .env). When the file points at the local world (world.js), as .env.example does as shipped, the world is
// started first and stopped at the end. Exits with local-action's code, which is not 0 when a step failed.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_WORLD_URL, pointsAtLocalWorld, startLocalWorld } from './world.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOCAL_ACTION = path.join(REPO_ROOT, 'node_modules/@github/local-action/bin/local-action.js');
const USAGE = 'Usage: npm run local-action [-- ENV_FILE]   (ENV_FILE defaults to .env; see .env.example)';

/** @param {string} message */
const fail = (message) => {
  console.error(`npm run local-action: ${message}`);
  return 2;
};

/**
 * The KEY=VALUE lines of an env file, as dotenv (which local-action uses) reads the plain ones: `export ` and
 * quotes dropped, a ` #` comment after an unquoted value dropped.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function readEnvFile(text) {
  /** @type {Record<string, string>} */
  const values = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match === null) continue;
    const [, name = '', raw = ''] = match;
    const quoted = /^(['"`])(.*)\1$/.exec(raw);
    values[name] = quoted ? (quoted[2] ?? '') : raw.replace(/\s+#.*$/, '');
  }
  return values;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  if (args.length > 1) return fail(`one env file at most, got ${args.join(' ')}\n${USAGE}`);
  // npm runs scripts in the package's folder; a relative ENV_FILE is taken from where npm was run.
  const from = process.env.INIT_CWD ?? process.cwd();
  const envFile = path.resolve(from, args[0] ?? '.env');
  if (!existsSync(envFile)) {
    const shown = path.relative(from, envFile);
    return fail(
      `${shown.startsWith('..') ? envFile : shown} does not exist. Start from the example, which runs ` +
        `against the local world as shipped:\n  cp .env.example .env && npm run local-action`,
    );
  }
  // local-action hands its arguments to a shell unquoted.
  const plain = process.platform === 'win32' ? /^[\w.\\/:~@+-]+$/ : /^[\w./~@+-]+$/;
  if (!plain.test(envFile)) return fail(`use an env file whose path has no spaces or quotes: ${envFile}`);

  const world = pointsAtLocalWorld(readEnvFile(readFileSync(envFile, 'utf8')))
    ? await startWorld()
    : undefined;
  try {
    return await runLocalAction(envFile);
  } finally {
    if (world !== undefined) {
      await world.stop();
      console.log('npm run local-action: stopped the local world');
    }
  }
}

async function startWorld() {
  console.log(
    `npm run local-action: the env file points at the local world, ${LOCAL_WORLD_URL}: starting it…`,
  );
  const world = await startLocalWorld();
  console.log(
    `npm run local-action: the local world is up (moto as STS/IAM/S3 in account ${world.account.accountId}, role ` +
      `deploy trusting GitHub OIDC for octo-org/octo-repo, a GitHub ID-token endpoint); it stops when local-action ends`,
  );
  return world;
}

/**
 * @param {string} envFile
 * @returns {Promise<number>}
 */
function runLocalAction(envFile) {
  const child = spawn(
    process.execPath,
    [LOCAL_ACTION, '.', 'scripts/local-action/main.ts', envFile, '--post', 'scripts/local-action/post.ts'],
    {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(REPO_ROOT, 'scripts/local-action/tsconfig.json') },
    },
  );
  // Ctrl-C reaches local-action too (same process group); wait for it to end, then stop the world.
  const relay = (/** @type {NodeJS.Signals} */ signal) => child.kill(signal);
  process.on('SIGINT', relay).on('SIGTERM', relay);
  return new Promise((resolve) => {
    child.once('error', (error) => resolve(fail(`could not start local-action: ${error.message}`)));
    child.once('exit', (code, signal) => {
      process.off('SIGINT', relay).off('SIGTERM', relay);
      const status = code ?? 1;
      if (status !== 0) {
        console.error(
          `\nnpm run local-action: local-action exited with ${code ?? signal}` +
            (code === 1 ? ': a step failed, its ::error:: line above says why' : ''),
        );
      }
      resolve(status);
    });
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (status) => {
      process.exitCode = status;
    },
    (error) => {
      fail(error instanceof Error ? error.message : String(error));
      process.exitCode = 2;
    },
  );
}
