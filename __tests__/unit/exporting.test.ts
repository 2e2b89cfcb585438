import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { Obtained } from '../../src/plan/first-role.js';
import { ENVIRONMENT_PROFILE, exportCredentials, STATE, type Exported } from '../../src/export/exporting.js';
import { readConfig } from '../../src/inputs/config.js';
import { refreshParams } from '../../src/export/refresh-config.js';
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

/** Where later steps' credential_process program is, as the main step passes it. */
const processTarget = () => ({
  runnerTemp: world.dir,
  node: '/usr/bin/node',
  script: '/action/dist/refresh/index.js',
});

function exportWith(
  runner: FakeRunner,
  env: NodeJS.ProcessEnv,
  { obtained = OBTAINED, platform = 'linux' as NodeJS.Platform } = {},
): Exported {
  const config = readConfig((name) => runner.getInput(name), env);
  return exportCredentials({ primary: obtained, profiles: [] }, config, {
    runner,
    mask: (secret) => secret && runner.setSecret(secret),
    env,
    processTarget: processTarget(),
    platform,
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

    expect(() => exportWith(runner, world.env())).toThrow(
      /is a folder or another kind of file, not a file of profiles/,
    );
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
    return exportCredentials({ primary: OBTAINED, profiles: [] }, config, {
      runner,
      mask: (secret) => secret && runner.setSecret(secret),
      env,
      processTarget: processTarget(),
      refresh: [{ profile: config.awsProfile, params: refreshParams(config, 'github-oidc', ROLE_ARN) }],
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

  it('names [default] over an earlier AWS_PROFILE without aws-profile, never an empty AWS_PROFILE', () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'refresh-credentials': 'true' },
    });
    refreshWith(runner, world.env({ AWS_PROFILE: 'earlier' }));

    expect(runner.exported.AWS_PROFILE).toBe('default');
    expect(JSON.parse(runner.saved[STATE.previousValues] ?? '')).toMatchObject({ AWS_PROFILE: 'earlier' });
  });
});

describe('exportCredentials over an AWS_PROFILE an earlier step left', () => {
  const inputs = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };

  it('points AWS_PROFILE at a profile whose credential_process hands out the exported keys', () => {
    world.write(world.configFile, '# mine\n[profile build]\nregion = eu-west-1\n');
    const runner = new FakeRunner({ inputs });
    const exported = exportWith(runner, world.env({ AWS_PROFILE: 'build' }));

    expect(runner.exported).toMatchObject({
      AWS_ACCESS_KEY_ID: TEMP_CREDENTIALS.accessKeyId,
      AWS_PROFILE: ENVIRONMENT_PROFILE,
    });
    expect(exported.replacedProfile).toBe('build');
    expect(readFileSync(world.configFile, 'utf8')).toBe(
      [
        '# mine',
        '[profile build]',
        'region = eu-west-1',
        '',
        `[profile ${ENVIRONMENT_PROFILE}]`,
        '# Written by the assume-aws-role action for this job; removed by its post step.',
        'region = us-east-1',
        'credential_process = "/usr/bin/node" "/action/dist/refresh/index.js" --from-environment',
        '',
      ].join('\n'),
    );
    for (const secret of TEMP_SECRETS) expect(readFileSync(world.configFile, 'utf8')).not.toContain(secret);
    expect(JSON.parse(runner.saved[STATE.previousValues] ?? '')).toMatchObject({ AWS_PROFILE: 'build' });
    expect(JSON.parse(runner.saved[STATE.profileSections] ?? '')).toEqual([
      {
        file: world.configFile,
        header: `profile ${ENVIRONMENT_PROFILE}`,
        profile: ENVIRONMENT_PROFILE,
        created: false,
        digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
  });

  it.each([
    ['no earlier AWS_PROFILE', {}, {}],
    [
      'aws-profile names the profile itself',
      { AWS_PROFILE: 'build' },
      { 'aws-profile': 'ci', 'output-env-credentials': 'true' },
    ],
    [
      'nothing goes to the environment',
      { AWS_PROFILE: 'build' },
      { 'output-env-credentials': 'false', 'output-credentials': 'true' },
    ],
  ])('leaves AWS_PROFILE alone with %s', (_what, env, more) => {
    const runner = new FakeRunner({ inputs: { ...inputs, ...more } });
    const exported = exportWith(runner, world.env(env));
    expect(runner.exported.AWS_PROFILE).not.toBe(ENVIRONMENT_PROFILE);
    expect(exported.replacedProfile).toBeUndefined();
  });

  it('leaves an AWS_PROFILE that is its own profile already: that one hands out the new keys too', () => {
    const runner = new FakeRunner({ inputs });
    const exported = exportWith(runner, world.env({ AWS_PROFILE: ENVIRONMENT_PROFILE }));
    expect(exported.replacedProfile).toBeUndefined();
    expect(runner.exported.AWS_PROFILE).toBeUndefined();
    expect(JSON.parse(runner.saved[STATE.profileSections] ?? '')).toEqual([]);
  });

  it('leaves AWS_PROFILE alone when there are no new keys (the job keeps its own credentials)', () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1' } });
    exportWith(runner, world.env({ AWS_PROFILE: 'build' }), {
      obtained: { ...OBTAINED, credentials: undefined, roleArn: undefined, source: 'existing' },
    });
    expect(runner.exported.AWS_PROFILE).toBeUndefined();
  });

  it('on Windows runs a .cmd shim in its own RUNNER_TEMP folder, recorded for the post step', () => {
    const runner = new FakeRunner({ inputs });
    exportWith(runner, world.env({ AWS_PROFILE: 'build' }), { platform: 'win32' });

    const [shim] = JSON.parse(runner.saved[STATE.createdFiles] ?? '[]') as string[];
    expect(shim).toMatch(/assume-aws-role-[0-9a-f-]{36}\/credential-process\.cmd$/);
    expect(readFileSync(shim!, 'utf8')).toBe(
      '@"/usr/bin/node" "/action/dist/refresh/index.js" --from-environment\r\n',
    );
    expect(readFileSync(world.configFile, 'utf8')).toContain(`credential_process = ${shim}\n`);
  });
});

describe('exportCredentials on Windows', () => {
  const inputs = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };

  it.each([
    [undefined, 'AWS_ACCESS_KEY_ID;AWS_SECRET_ACCESS_KEY;AWS_SESSION_TOKEN'],
    ['PATH_LIKE', 'PATH_LIKE;AWS_ACCESS_KEY_ID;AWS_SECRET_ACCESS_KEY;AWS_SESSION_TOKEN'],
  ])(
    'keeps Git Bash from rewriting a secret that starts with / (MSYS2_ENV_CONV_EXCL was %j)',
    (before, after) => {
      const runner = new FakeRunner({ inputs });
      exportWith(runner, world.env({ MSYS2_ENV_CONV_EXCL: before }), { platform: 'win32' });
      expect(runner.exported.MSYS2_ENV_CONV_EXCL).toBe(after);
    },
  );

  it('exports no MSYS2_ENV_CONV_EXCL when it lists the variables already, or on Linux and macOS', () => {
    const listed = 'AWS_ACCESS_KEY_ID;AWS_SECRET_ACCESS_KEY;AWS_SESSION_TOKEN';
    const runner = new FakeRunner({ inputs });
    exportWith(runner, world.env({ MSYS2_ENV_CONV_EXCL: listed }), { platform: 'win32' });
    expect(runner.exported.MSYS2_ENV_CONV_EXCL).toBeUndefined();
    for (const platform of ['linux', 'darwin'] as const) {
      const other = new FakeRunner({ inputs });
      exportWith(other, world.env(), { platform });
      expect(other.exported.MSYS2_ENV_CONV_EXCL).toBeUndefined();
    }
  });
});

describe('the aws-expiration output', () => {
  it('is JSON-quoted as configure-aws-credentials writes it; AWS_CREDENTIAL_EXPIRATION is bare', () => {
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'output-credentials': 'true' },
    });
    exportWith(runner, world.env());
    const iso = TEMP_CREDENTIALS.expiration.toISOString();
    expect(runner.outputs['aws-expiration']).toBe(`"${iso}"`);
    expect(JSON.parse(runner.outputs['aws-expiration']!)).toBe(iso);
    expect(runner.exported.AWS_CREDENTIAL_EXPIRATION).toBe(iso);
  });
});
