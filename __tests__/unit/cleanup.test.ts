import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';

import { cleanup } from '../../src/post/cleanup.js';
import { ENVIRONMENT_PROFILE, STATE } from '../../src/export/exporting.js';
import { run } from '../../src/main.js';
import { STUB_MARKER } from '../../src/export/profile-files.js';
import { FakeRunner, mockSts, ROLE_ARN, TestWorld, useTestWorld } from './fixtures/runner.js';

// The post step undoes what the main step recorded in its state, and nothing else.

mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

/** A section digest of the right shape (what the main step records: sha256 of the section it wrote). */
const DIGEST = '0'.repeat(64);

/** The main step's state, as the runner hands it to the post step. */
function stateOf(variables: readonly string[], sections: readonly object[] = []): Record<string, string> {
  return {
    [STATE.exportedVariables]: JSON.stringify(variables),
    [STATE.profileSections]: JSON.stringify(sections),
  };
}

describe('cleanup', () => {
  it('clears the credentials recorded in state, leaves the region set, and says so', async () => {
    const runner = new FakeRunner({
      state: stateOf(['AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'AWS_REGION']),
    });
    await cleanup(runner, world.env({ AWS_REGION: 'us-east-1' }));

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('exportVariable')).toEqual([
      ['AWS_ACCESS_KEY_ID', ''],
      ['AWS_SESSION_TOKEN', ''],
    ]);
    expect(runner.log).toBe(
      'Cleanup: cleared AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN; left AWS_REGION as they are (nothing secret; later post steps need them set)',
    );
  });

  it('puts back the region and profile an earlier step had set, and clears the credentials', async () => {
    const main = new FakeRunner({
      inputs: {
        'aws-region': 'us-east-1',
        'role-to-assume': ROLE_ARN,
        'aws-profile': 'ci',
        'output-env-credentials': 'true',
      },
    });
    await run(main, world.env({ AWS_REGION: 'eu-west-3', AWS_PROFILE: 'build' }));
    expect(main.failures).toEqual([]);

    const post = new FakeRunner({ state: main.saved });
    await cleanup(post, world.env({ AWS_REGION: 'eu-west-3', AWS_PROFILE: 'build', ...main.exported }));

    expect(post.failures).toEqual([]);
    expect(post.exported).toEqual({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_CREDENTIAL_EXPIRATION: '',
      AWS_REGION: 'eu-west-3',
      AWS_PROFILE: 'build',
    });
    expect(post.log).toContain('left AWS_DEFAULT_REGION as they are');
    expect(post.log).toContain('put back AWS_REGION=eu-west-3');
    expect(post.log).toContain('put back AWS_PROFILE=build');
  });

  it('refuses saved previous values for variables it never restores', async () => {
    const post = new FakeRunner({
      state: {
        ...stateOf(['AWS_ACCESS_KEY_ID']),
        [STATE.previousValues]: '{"AWS_ACCESS_KEY_ID": "AKIA..."}',
      },
    });
    await cleanup(post);

    expect(post.failures).toHaveLength(1);
    expect(post.failures[0]).toMatch(/previous-values is not what the main step writes/);
  });

  it('undoes everything the main step did: variables cleared, files it created removed', async () => {
    const inputs = {
      'aws-region': 'us-east-1',
      'role-to-assume': ROLE_ARN,
      'aws-profile': 'ci',
      'output-env-credentials': 'true',
    };
    const main = new FakeRunner({ inputs });
    await run(main, world.env());
    expect(main.failures).toEqual([]);
    expect(existsSync(world.credentialsFile)).toBe(true);

    const post = new FakeRunner({ state: main.saved });
    await cleanup(post, world.env(main.exported));

    expect(post.failures).toEqual([]);
    expect(post.exported).toEqual({
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_CREDENTIAL_EXPIRATION: '',
    });
    expect(existsSync(world.credentialsFile)).toBe(false);
    // AWS_PROFILE=ci stays set (a step can't unset it, and empty breaks the CLI): it still names a profile.
    expect(readFileSync(world.configFile, 'utf8')).toBe(`[profile ci]\n${STUB_MARKER}\nregion = us-east-1\n`);
    expect(post.log).toContain(`removed [ci] from ${world.credentialsFile}`);
    expect(post.log).toContain(`removed [profile ci] from ${world.configFile}`);
    expect(post.log).toContain(
      `kept [profile ci] in ${world.configFile} without credentials, because AWS_PROFILE=ci stays set`,
    );

    // The next run (a self-hosted runner keeps its files) may write the profile again without overwrite.
    const again = new FakeRunner({ inputs });
    await run(again, world.env());
    expect(again.failures).toEqual([]);
    expect(readFileSync(world.configFile, 'utf8')).toBe('[profile ci]\nregion = us-east-1\n');
  });

  it('removes the ~/.aws folder it created when nothing is left in it', async () => {
    const env = world.env({ AWS_SHARED_CREDENTIALS_FILE: undefined, AWS_CONFIG_FILE: undefined });
    const main = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'aws-profile': 'ci' },
    });
    await run(main, env);
    expect(main.failures).toEqual([]);
    expect(existsSync(path.join(world.dir, '.aws', 'credentials'))).toBe(true);

    await cleanup(new FakeRunner({ state: main.saved }), env);
    expect(existsSync(path.join(world.dir, '.aws'))).toBe(false);
  });

  it('keeps a ~/.aws folder that was there before, or that holds other files', async () => {
    const env = world.env({ AWS_SHARED_CREDENTIALS_FILE: undefined, AWS_CONFIG_FILE: undefined });
    const main = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'aws-profile': 'ci' },
    });
    await run(main, env);
    world.write(path.join(world.dir, '.aws', 'sso', 'cache.json'), '{}');

    await cleanup(new FakeRunner({ state: main.saved }), env);
    expect(readdirSync(path.join(world.dir, '.aws'))).toEqual(['sso']);
  });

  it('puts back the AWS_PROFILE an earlier step left, and removes the profile that stood in for it', async () => {
    world.write(world.configFile, '[profile build]\nregion = eu-west-1\n');
    const main = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN } });
    await run(main, world.env({ AWS_PROFILE: 'build' }));
    expect(main.exported.AWS_PROFILE).toBe(ENVIRONMENT_PROFILE);

    const post = new FakeRunner({ state: main.saved });
    await cleanup(post, world.env({ AWS_PROFILE: 'build', ...main.exported }));

    expect(post.failures).toEqual([]);
    expect(post.exported.AWS_PROFILE).toBe('build');
    expect(readFileSync(world.configFile, 'utf8')).toBe('[profile build]\nregion = eu-west-1\n');
  });

  it('removes only the recorded sections from files that were there before', async () => {
    world.write(world.credentialsFile, '# by hand\n[default]\naws_access_key_id = KEEP\n');
    world.write(world.configFile, '[default]\nregion = eu-west-1\n');
    const main = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'aws-profile': 'ci' },
    });
    await run(main, world.env());
    expect(readFileSync(world.credentialsFile, 'utf8')).toContain('[ci]');

    const post = new FakeRunner({ state: main.saved });
    await cleanup(post, world.env());

    expect(post.failures).toEqual([]);
    expect(post.callsOf('exportVariable')).toEqual([]);
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe(
      '# by hand\n[default]\naws_access_key_id = KEEP\n',
    );
    expect(readFileSync(world.configFile, 'utf8')).toBe('[default]\nregion = eu-west-1\n');
    expect(post.log).toBe(
      `Cleanup: removed [ci] from ${world.credentialsFile}; removed [profile ci] from ${world.configFile}`,
    );
  });

  it('skips a recorded file that is gone already', async () => {
    const gone = world.credentialsFile;
    const runner = new FakeRunner({
      state: stateOf([], [{ file: gone, header: 'ci', profile: 'ci', created: true, digest: DIGEST }]),
    });
    await cleanup(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(existsSync(gone)).toBe(false);
  });

  it.each([
    ['no state at all (the main step failed)', {}],
    ['empty lists', stateOf([])],
  ])('does nothing with %s', async (_what, state) => {
    const runner = new FakeRunner({ state });
    await cleanup(runner);

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('exportVariable')).toEqual([]);
    expect(runner.log).toBe('Cleanup: the main step exported nothing, so there is nothing to undo');
  });

  it('fails with a clear message when the state is not what the main step writes', async () => {
    const runner = new FakeRunner({ state: { [STATE.exportedVariables]: 'AWS_ACCESS_KEY_ID,AWS_REGION' } });
    await cleanup(runner);

    expect(runner.failures).toHaveLength(1);
    expect(runner.failures[0]).toMatch(/^Cleanup could not undo everything the main step did: .*JSON/);
    expect(runner.callsOf('exportVariable')).toEqual([]);
  });

  it.each([
    ['a string instead of a list', { [STATE.exportedVariables]: '"AWS_REGION"' }],
    ['names that are not AWS variables', { [STATE.exportedVariables]: '["PATH"]' }],
    ['sections without a file', { [STATE.profileSections]: '[{"header": "ci"}]' }],
  ])('refuses state holding %s, undoing nothing', async (_what, state) => {
    const runner = new FakeRunner({ state });
    await cleanup(runner);

    expect(runner.failures).toHaveLength(1);
    expect(runner.failures[0]).toMatch(/is not what the main step writes/);
    expect(runner.callsOf('exportVariable')).toEqual([]);
  });

  it('leaves a recorded file that became a symbolic link, with a warning, and clears the variables', async () => {
    const target = path.join(world.dir, 'elsewhere');
    world.write(target, '[ci]\naws_access_key_id = NOT-OURS\n');
    mkdirSync(path.dirname(world.credentialsFile));
    symlinkSync(target, world.credentialsFile);
    const runner = new FakeRunner({
      state: stateOf(
        ['AWS_ACCESS_KEY_ID'],
        [{ file: world.credentialsFile, header: 'ci', profile: 'ci', created: false, digest: DIGEST }],
      ),
    });
    await cleanup(runner, world.env());

    expect(runner.callsOf('exportVariable')).toEqual([['AWS_ACCESS_KEY_ID', '']]);
    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('warning')).toEqual([
      [expect.stringMatching(/^Cleanup: left \[ci\] in .*credentials: .*credentials is a symbolic link/)],
    ]);
    expect(readFileSync(target, 'utf8')).toBe('[ci]\naws_access_key_id = NOT-OURS\n');
  });
});

describe('cleanup after refresh-credentials', () => {
  it('removes the config folder the main step created, and puts back the AWS_CONFIG_FILE the job had', async () => {
    const main = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'refresh-credentials': 'true' },
    });
    await run(main, world.env());
    expect(main.failures).toEqual([]);
    const file = main.exported.AWS_CONFIG_FILE ?? '';
    expect(existsSync(file)).toBe(true);

    const post = new FakeRunner({ state: main.saved });
    await cleanup(post, world.env());

    expect(post.failures).toEqual([]);
    expect(existsSync(path.dirname(file))).toBe(false);
    expect(readdirSync(world.dir).filter((name) => name.startsWith('assume-aws-role-'))).toEqual([]);
    expect(post.exported).toEqual({ AWS_CONFIG_FILE: world.configFile });
    expect(post.log).toContain(`removed ${file}`);
  });

  it.each([
    ['linux', { HOME: '/home/runner' }, '/home/runner'],
    ['win32', { USERPROFILE: 'C:\\Users\\runneradmin', HOME: '/c/Users/x' }, 'C:\\Users\\runneradmin'],
  ] as const)(
    'on %s, sets AWS_CONFIG_FILE to the default path when the job had none (empty, botocore reads no config)',
    async (platform, home, homeFolder) => {
      const env = world.env({ AWS_CONFIG_FILE: undefined });
      const main = new FakeRunner({
        inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'refresh-credentials': 'true' },
      });
      await run(main, env);
      const post = new FakeRunner({ state: main.saved });
      await cleanup(
        post,
        { ...world.env({ AWS_CONFIG_FILE: undefined, HOME: undefined }), ...home },
        platform,
      );

      expect(post.failures).toEqual([]);
      expect(post.exported).toEqual({ AWS_CONFIG_FILE: path.join(homeFolder, '.aws', 'config') });
    },
  );

  const UUID = '0b9d8f0e-7c4a-4e8b-9a51-3f2d1c0b9a87';
  it.each([
    ['a folder outside RUNNER_TEMP', () => `/etc/assume-aws-role-${UUID}/config`],
    [
      'a folder deeper in RUNNER_TEMP',
      (temp: string) => path.join(temp, 'x', `assume-aws-role-${UUID}`, 'config'),
    ],
    ['a folder of another name', (temp: string) => path.join(temp, 'home', 'config')],
    [
      'a folder name that is not a UUID',
      (temp: string) => path.join(temp, 'assume-aws-role-------------------------------------', 'config'),
    ],
    [
      'a file that is not config',
      (temp: string) => path.join(temp, `assume-aws-role-${UUID}`, 'credentials'),
    ],
    ['a relative path', () => path.join(`assume-aws-role-${UUID}`, 'config')],
    ['RUNNER_TEMP itself', (temp: string) => path.join(temp, 'config')],
  ])('refuses a created-files entry that is %s, removing nothing', async (_what, entry) => {
    const victim = path.join(world.dir, 'x', `assume-aws-role-${UUID}`);
    mkdirSync(victim, { recursive: true });
    const runner = new FakeRunner({
      state: { ...stateOf(['AWS_CONFIG_FILE']), [STATE.createdFiles]: JSON.stringify([entry(world.dir)]) },
    });
    await cleanup(runner, world.env());

    expect(runner.failures).toHaveLength(1);
    expect(runner.failures[0]).toMatch(/the saved state created-files is not what the main step writes/);
    expect(existsSync(victim)).toBe(true);
  });
});

describe('cleanup with state it did not write', () => {
  it('touches no file outside the ones the action writes, whatever the state says', async () => {
    const victim = path.join(world.dir, 'outside', 'victim');
    world.write(victim, '[foo]\nkept = yes\n');
    const runner = new FakeRunner({
      state: stateOf([], [{ file: victim, header: 'foo', profile: 'foo', created: true, digest: DIGEST }]),
    });
    await cleanup(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(readFileSync(victim, 'utf8')).toBe('[foo]\nkept = yes\n');
    expect(runner.callsOf('warning')).toEqual([
      [`Cleanup: left [foo] in ${JSON.stringify(victim)}: the action writes no such file`],
    ]);
  });

  it('leaves a section that changed since the main step wrote it', async () => {
    const main = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'aws-profile': 'ci' },
    });
    await run(main, world.env());
    // A later step (or a person) put their own keys in the profile.
    const edited = readFileSync(world.credentialsFile, 'utf8').replace(/aws_session_token = .*\n/, '');
    world.write(world.credentialsFile, edited);

    const post = new FakeRunner({ state: main.saved });
    await cleanup(post, world.env());
    expect(post.failures).toEqual([]);
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe(edited);
    expect(post.callsOf('warning')).toEqual([
      [`Cleanup: left [ci] in ${world.credentialsFile}: it is no longer what the main step wrote`],
    ]);
    expect(existsSync(world.configFile)).toBe(false);
  });

  it.each([
    ['AWS_REGION', 'evil region'],
    ['AWS_DEFAULT_REGION', 'us-east-1\n::warning::x'],
    ['AWS_PROFILE', 'x::save-state'],
    ['AWS_CONFIG_FILE', 'relative/config'],
    ['AWS_CONFIG_FILE', '/tmp/config\nAWS_PROFILE=evil'],
    ['MSYS2_ENV_CONV_EXCL', 'A;B C'],
  ])('does not put back %s=%j, which is no value that variable takes', async (name, value) => {
    const runner = new FakeRunner({
      state: { ...stateOf([name]), [STATE.previousValues]: JSON.stringify({ [name]: value }) },
    });
    await cleanup(runner, world.env({ AWS_REGION: 'us-east-1' }));

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('exportVariable').map(([, exported]) => exported)).not.toContain(value);
    expect(runner.callsOf('warning')).toEqual([
      [expect.stringMatching(new RegExp(`^Cleanup: not putting back ${name}=".*" from the saved state`))],
    ]);
  });
});
