import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Obtained } from '../../src/assume.js';
import { exportCredentials, STATE } from '../../src/exporting.js';
import { readConfig } from '../../src/inputs.js';
import { refreshParams } from '../../src/refresh-config.js';
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

describe('exportCredentials with refresh-credentials', () => {
  const refreshWith = (runner: FakeRunner, env: NodeJS.ProcessEnv) => {
    const config = readConfig((name) => runner.getInput(name), env);
    return exportCredentials(OBTAINED, config, {
      runner,
      mask: (secret) => secret && runner.setSecret(secret),
      env,
      refresh: {
        params: refreshParams(config, 'github-oidc', ROLE_ARN),
        runnerTemp: world.dir,
        node: '/usr/bin/node',
        script: '/action/dist/refresh/index.js',
      },
    });
  };

  it.each([
    ['no profile', {}, '[default]', {}],
    ['a named profile', { 'aws-profile': 'ci' }, '[profile ci]', { AWS_PROFILE: 'ci' }],
  ])(
    'with %s: exports the config file instead of keys and writes nothing to the shared files',
    (_what, inputs, header, profile) => {
      const runner = new FakeRunner({
        inputs: {
          'aws-region': 'us-east-1',
          'role-to-assume': ROLE_ARN,
          'refresh-credentials': 'true',
          ...inputs,
        },
      });
      const exported = refreshWith(runner, world.env());

      const file = exported.refreshConfig ?? '';
      expect(runner.exported).toEqual({
        AWS_CONFIG_FILE: file,
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        ...profile,
      });
      expect(path.dirname(path.dirname(file))).toBe(world.dir);
      expect(readFileSync(file, 'utf8')).toContain(`\n${header}\n`);
      expect(exported.profileSections).toEqual([]);
      expect(existsSync(world.credentialsFile)).toBe(false);
      expect(existsSync(world.configFile)).toBe(false);
      expect(runner.saved[STATE.createdFiles]).toBe(JSON.stringify([file]));
      // The user's own AWS_CONFIG_FILE comes back after the job.
      expect(JSON.parse(runner.saved[STATE.previousValues] ?? '')).toEqual({
        AWS_CONFIG_FILE: world.configFile,
      });
      expectMaskedFirst(runner, TEMP_SECRETS);
      for (const secret of TEMP_SECRETS) expect(readFileSync(file, 'utf8')).not.toContain(secret);
    },
  );

  it('clears the keys an earlier step exported, which would win over the profile and never be renewed', () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'refresh-credentials': 'true' },
    });
    refreshWith(
      runner,
      world.env({
        AWS_ACCESS_KEY_ID: 'ASIAEARLIERSTEP00001',
        AWS_SECRET_ACCESS_KEY: 'earlier-secret',
        AWS_SESSION_TOKEN: 'earlier-token',
        AWS_CREDENTIAL_EXPIRATION: '2030-01-01T00:00:00.000Z',
      }),
    );

    expect(runner.exported).toMatchObject({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_CREDENTIAL_EXPIRATION: '',
    });
    expect(runner.exported.AWS_CONFIG_FILE).toMatch(/assume-aws-role-[0-9a-f-]{36}\/config$/);
  });

  it('clears an earlier AWS_PROFILE without aws-profile: the file has only [default]', () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'refresh-credentials': 'true' },
    });
    refreshWith(runner, world.env({ AWS_PROFILE: 'earlier' }));

    expect(runner.exported.AWS_PROFILE).toBe('');
  });
});
