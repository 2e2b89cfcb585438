import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Obtained } from '../../src/assume.js';
import { exportCredentials } from '../../src/exporting.js';
import { readConfig } from '../../src/inputs.js';
import {
  ASSUMED_ARN,
  ACCOUNT,
  expectMaskedFirst,
  FakeRunner,
  ROLE_ARN,
  TEMP_CREDENTIALS,
  TEMP_SECRETS,
  TestWorld,
} from './fixtures/runner.js';

// exportCredentials writes the profile files first, because that is the one part that can fail: a failure
// there must leave the files as they were and hand nothing to later steps. (The rest is covered through run().)

let world: TestWorld;
beforeEach(() => {
  world = new TestWorld();
});
afterEach(() => world.dispose());

const OBTAINED: Obtained = {
  credentials: TEMP_CREDENTIALS,
  identity: { accountId: ACCOUNT, arn: ASSUMED_ARN },
  roleArn: ROLE_ARN,
  source: 'github-oidc',
  sessionTags: undefined,
};

function exportWith(runner: FakeRunner, env: NodeJS.ProcessEnv): void {
  const config = readConfig((name) => runner.getInput(name), env);
  exportCredentials(OBTAINED, config, {
    runner,
    mask: (secret) => secret && runner.setSecret(secret),
    env,
  });
}

describe('exportCredentials with aws-profile', () => {
  it.each([
    ['removes the credentials file it created', undefined],
    ['restores the credentials file that was there', '# by hand\n[default]\naws_access_key_id = KEEP\n'],
  ])('when the config file cannot be written: %s, and exports nothing', (_what, before) => {
    if (before !== undefined) world.write(world.credentialsFile, before);
    // A directory where the config file should be: reading it fails after the credentials were written.
    mkdirSync(world.configFile, { recursive: true });
    const runner = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE_ARN,
        'aws-profile': 'ci',
        'output-env-credentials': 'true',
        'output-credentials': 'true',
      },
    });

    expect(() => exportWith(runner, world.env())).toThrow(/EISDIR/);
    if (before === undefined) expect(existsSync(world.credentialsFile)).toBe(false);
    else expect(readFileSync(world.credentialsFile, 'utf8')).toBe(before);
    expect(runner.callsOf('exportVariable')).toEqual([]);
    expect(runner.callsOf('setOutput')).toEqual([]);
    expect(runner.callsOf('saveState')).toEqual([]);
    expectMaskedFirst(runner, TEMP_SECRETS);
  });
});
