// `npm run local-action` with .env.example as shipped: the wrapper sees that the file points at the local world,
// starts it (moto, seeded as for the other tests, and the ID-token endpoint behind 127.0.0.1:4599), and the
// action's TypeScript sources, run by @github/local-action, get the deploy role over GitHub OIDC; the post step
// clears the exports. A role whose trust policy refuses the token makes the command fail, with the diagnosis.
// Each run starts and stops its own world, as a contributor's does.
import { describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SEED } from './world/seed.js';

jest.setTimeout(60_000);

/** `npm run local-action -- FILE` from the repository, without the host's AWS or GitHub variables. */
function localAction(envFile: string): Promise<{ status: number | null; output: string }> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(INPUT_|AWS_|GITHUB_|ACTIONS_|RUNNER_)/.test(name)),
  );
  const child = spawn('npm', ['run', '--silent', 'local-action', '--', envFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

describe('npm run local-action with .env.example', () => {
  it('gets the deploy role over GitHub OIDC in the local world, then the post step clears the exports', async () => {
    const { status, output } = await localAction('.env.example');
    expect(output).toContain('npm run local-action: the local world is up');
    expect(output).toContain('::info::Credential source: github-oidc');
    const session = `arn:aws:sts::${SEED.accountId}:assumed-role/deploy/local-action`;
    expect(output).toContain(`::info::Authenticated as ${session};`);
    expect(output).toMatch(new RegExp(`'authenticated-arn'\\s*│\\s*'${session}'`));
    expect(output).toContain(
      '::info::Cleanup: cleared AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN',
    );
    expect(output).toContain('npm run local-action: stopped the local world');
    expect(output).not.toContain('::error::');
    // moto's session key ids: local-action prints none of the credentials it was given.
    expect(output).not.toMatch(/ASIA[A-Z0-9]{12,}/);
    expect(status).toBe(0);
  });

  it('fails, with the diagnosis, when the role does not trust this job', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'local-action-e2e-'));
    try {
      const envFile = path.join(dir, 'production.env');
      const shipped = readFileSync('.env.example', 'utf8');
      expect(shipped).toContain(`INPUT_ROLE-TO-ASSUME=${SEED.deployRole}\n`);
      writeFileSync(envFile, shipped.replace(SEED.deployRole, SEED.productionRole));
      const { status, output } = await localAction(envFile);
      expect(output).toContain(
        `::info::Why STS refused the token (AccessDenied) for ${SEED.productionRole}:`,
      );
      expect(output).toContain(`::error::Could not assume ${SEED.productionRole} with GitHub OIDC`);
      expect(output).toContain('::info::Cleanup: the main step exported nothing');
      expect(output).toContain('npm run local-action: local-action exited with 1');
      expect(output).toContain('npm run local-action: stopped the local world');
      expect(status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
