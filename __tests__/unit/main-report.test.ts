import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';

import { run } from '../../src/main.js';
import type { Runner } from '../../src/runner.js';
import {
  ASSUMED_ARN,
  expectFailedCleanly,
  expectMaskedFirst,
  FakeRunner,
  NO_OIDC,
  ROLE_ARN,
  stsError,
  TEMP_CREDENTIALS,
  TEMP_SECRETS,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// What run() tells the reader: the log grouped, the diagnosis of a refused OIDC assume before the one error, the
// job summary; and refresh-credentials handing on a config file instead of keys.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const OIDC = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };
const at = (runner: FakeRunner, method: keyof Runner, text = '') =>
  runner.calls.findIndex((call) => call.method === method && (call.args[0] ?? '').startsWith(text));

describe('a refused GitHub OIDC assume', () => {
  it('logs the diagnosis after the group and before the one setFailed, never the token, tried once', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'));
    const runner = new FakeRunner({
      inputs: OIDC,
      claims: { sub: 'repo:octo-org/octo-repo:environment:production', environment: 'production' },
    });
    await run(runner, world.env());

    const message = expectFailedCleanly(runner);
    expect(message).toContain(`Could not assume ${ROLE_ARN} with GitHub OIDC`);
    const first = at(runner, 'info', 'Why STS refused the token (AccessDenied)');
    const failed = at(runner, 'setFailed');
    expect(at(runner, 'endGroup')).toBeLessThan(first);
    expect(first).toBeLessThan(failed);
    const diagnosis = runner.calls.slice(first, failed).map((call) => call.args[0]);
    expect(runner.calls.slice(first, failed).every((call) => call.method === 'info')).toBe(true);
    expect(diagnosis).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}sub +repo:octo-org\/octo-repo:environment:production$/),
        expect.stringMatching(/^ {2}environment +production$/),
        '        "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:environment:production"',
        'Likely causes:',
      ]),
    );
    expect(diagnosis.length).toBeLessThanOrEqual(32);
    expect(sts.calls()).toHaveLength(1);
    expect(runner.callsOf('getIDToken')).toHaveLength(1);
    expectMaskedFirst(runner, runner.issuedTokens);
    for (const token of runner.issuedTokens) expect(runner.log).not.toContain(token);
    expect(runner.summary).toContain('```text\nWhy STS refused the token (AccessDenied)');
    expect(runner.summary).toContain('| Credential source | GitHub OIDC |');
  });
});

describe('the log', () => {
  it('groups how the credentials were got; who they are and what was exported stand outside', async () => {
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    const start = at(runner, 'startGroup', 'Getting AWS credentials');
    const end = at(runner, 'endGroup');
    expect(runner.callsOf('startGroup')).toHaveLength(1);
    expect(runner.callsOf('endGroup')).toHaveLength(1);
    expect(start).toBeLessThan(at(runner, 'info', 'Credential source: github-oidc'));
    expect(at(runner, 'info', 'Assuming ')).toBeLessThan(end);
    expect(end).toBeLessThan(at(runner, 'info', `Authenticated as ${ASSUMED_ARN}`));
    expect(end).toBeLessThan(at(runner, 'info', 'Exported for later steps: '));
  });
});

describe('the job summary', () => {
  it('is appended once on success, with the identity and expiry', async () => {
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env());

    expect(runner.callsOf('appendSummary')).toHaveLength(1);
    expect(runner.summary).toContain(`| Identity | \`${ASSUMED_ARN}\` |`);
    expect(runner.summary).toContain(`| Expires | ${TEMP_CREDENTIALS.expiration.toISOString()} (in `);
    expect(runner.exported.AWS_CREDENTIAL_EXPIRATION).toBe(TEMP_CREDENTIALS.expiration.toISOString());
  });

  it.each([
    ['success', OIDC],
    ['a refused assume', OIDC],
    ['an invalid input', { ...OIDC, 'role-duration-seconds': '1h' }],
  ])('is not written with summary: false (%s)', async (what, inputs) => {
    if (what === 'a refused assume')
      sts.on(AssumeRoleWithWebIdentityCommand).rejects(stsError('AccessDenied', 'Not authorized'));
    const runner = new FakeRunner({ inputs: { ...inputs, summary: 'false' } });
    await run(runner, world.env());

    expect(runner.callsOf('appendSummary')).toEqual([]);
  });

  it('says which input was wrong when the inputs are refused, with no source', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, 'role-duration-seconds': '1h' } });
    await run(runner, world.env());

    expect(runner.summary).toMatch(/^### AWS credentials: failed\n\n> role-duration-seconds must be/);
    expect(runner.summary).toContain('| Credential source | (none) |');
  });

  it('only warns when it cannot be written: the credentials are still handed on', async () => {
    const runner = new FakeRunner({ inputs: OIDC });
    runner.appendSummary = () => {
      throw new Error('ENOSPC: no space left on device');
    };
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(TEMP_CREDENTIALS.accessKeyId);
    expect(runner.callsOf('warning')).toEqual([
      ['Could not write the job summary: ENOSPC: no space left on device'],
    ]);
  });
});

describe('refresh-credentials', () => {
  it('hands on a config file running dist/refresh/index.js under this Node, instead of keys', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, 'refresh-credentials': 'true' } });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(Object.keys(runner.exported)).toEqual(['AWS_CONFIG_FILE', 'AWS_REGION', 'AWS_DEFAULT_REGION']);
    const file = runner.exported.AWS_CONFIG_FILE ?? '';
    expect(path.dirname(path.dirname(file))).toBe(world.dir);
    expect(runner.log).toContain(
      `refresh-credentials: later steps get new credentials through the credential_process in ${file}`,
    );
    expect(readFileSync(file, 'utf8')).toMatch(
      new RegExp(`^credential_process = "${process.execPath}" "[^"]+/refresh/index\\.js" [\\w-]+$`, 'm'),
    );
    expectMaskedFirst(runner, TEMP_SECRETS);
  });

  it('is refused before any request when the only source is the job`s existing credentials', async () => {
    const runner = new FakeRunner({ inputs: { ...OIDC, 'refresh-credentials': 'true' } });
    await run(runner, world.env({ ...NO_OIDC, RUNNER_ENVIRONMENT: 'self-hosted' }));

    expect(expectFailedCleanly(runner)).toContain(
      'refresh-credentials works only with GitHub OIDC or web-identity-token-file',
    );
    expect(sts.calls()).toEqual([]);
  });
});
