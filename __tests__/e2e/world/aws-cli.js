// The AWS CLI run by the test world itself, outside any job (to create roles at test time, or to call STS as a
// given identity): against moto, with only the keys it is given, the world's region and no shared files.
import { spawn } from 'node:child_process';
import { clearTimeout, setTimeout } from 'node:timers';
import { REGION } from './seed.js';

/**
 * @typedef {object} AwsCredentials
 * @property {string} accessKeyId
 * @property {string} secretAccessKey
 * @property {string} [sessionToken]
 */

/**
 * @typedef {object} AwsCliResult
 * @property {number | null} exitCode
 * @property {string} stdout
 * @property {string} stderr
 */

/**
 * Runs `aws --endpoint-url <motoUrl> ...args --output json` with these credentials.
 * @param {string} motoUrl
 * @param {AwsCredentials} credentials
 * @param {string[]} args  e.g. ['sts', 'get-caller-identity']
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<AwsCliResult>}
 */
export function runAwsCli(motoUrl, credentials, args, { timeoutMs = 30_000 } = {}) {
  const env = {
    ...machineEnv(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    ...(credentials.sessionToken !== undefined && { AWS_SESSION_TOKEN: credentials.sessionToken }),
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    // No profile of the machine's user, no instance metadata service to wait for.
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const child = spawn('aws', ['--endpoint-url', motoUrl, ...args, '--output', 'json'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aws ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`aws could not start: ${error.message}`));
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

/**
 * What the CLI needs of the machine's environment (PATH, pyenv's and pipx's variables, locale), never AWS_*.
 * @returns {Record<string, string>}
 */
function machineEnv() {
  const names = ['PATH', 'HOME', 'LANG', 'TZ', 'PYENV_ROOT', 'PYENV_VERSION', 'PIPX_HOME', 'PIPX_BIN_DIR'];
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}
