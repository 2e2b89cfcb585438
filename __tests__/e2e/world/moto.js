// Starts moto's STS/IAM/S3 server on a free loopback port through moto_launcher.py (see its docstring for the
// AssumeRoleWithWebIdentity workaround), and stops it.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { motoPython } from './tools.js';

const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'moto_launcher.py');

/**
 * @typedef {object} Moto
 * @property {string} url  http://127.0.0.1:PORT
 * @property {() => string} logTail  the server's last log lines, for error messages
 * @property {() => Promise<void>} stop
 */

/**
 * Starts moto; the first `initialNoAuthActionCount` requests pass unchecked (the seed), every later one is
 * signature-, policy- and trust-checked.
 * @param {{ initialNoAuthActionCount: number, oidcJwks: object, timeoutMs?: number }} options
 * @returns {Promise<Moto>}
 */
export async function startMoto({ initialNoAuthActionCount, oidcJwks, timeoutMs = 30_000 }) {
  const env = {
    ...process.env,
    INITIAL_NO_AUTH_ACTION_COUNT: String(initialNoAuthActionCount),
    OIDC_JWKS: JSON.stringify(oidcJwks),
  };
  delete env.MOTO_ACCOUNT_ID; // the seed relies on moto's default account
  const child = spawn(motoPython(), [LAUNCHER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  /** @type {string[]} */
  const log = [];
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    log.push(...chunk.split('\n').filter(Boolean));
    log.splice(0, Math.max(0, log.length - 40));
  });
  const logTail = () => log.join('\n');
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`moto did not start within ${timeoutMs} ms:\n${logTail()}`));
    }, timeoutMs);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const listening = /^\{"port": (\d+)\}$/.exec(out.split('\n')[0] ?? '')?.[1];
      if (listening === undefined)
        reject(new Error(`moto's launcher said ${JSON.stringify(out)} instead of its port`));
      else resolve(Number(listening));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Could not start ${motoPython()} ${LAUNCHER}: ${error.message}`));
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`moto exited (${how}) before it listened:\n${logTail()}`));
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    logTail,
    async stop() {
      child.stdin.end(); // the launcher exits when its stdin closes
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
