import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';

import { run } from '../../src/main.js';
import { cleanup } from '../../src/post/cleanup.js';
import { exportCredentials, STATE } from '../../src/export/exporting.js';
import { readConfig } from '../../src/inputs/config.js';
import type { PlanResult } from '../../src/plan/run-plan.js';
import {
  ACCOUNT,
  answerRoles,
  expectMaskedFirst,
  FakeRunner,
  OTHER_ACCOUNT,
  sessionKeys,
  sessionSecrets,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// Where the profiles go and how they come out again: profile-location: job puts them in the job's own files under
// RUNNER_TEMP, which the post step removes; and the files are all or nothing, so a profile that cannot be written
// takes every section written before it back out.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const HUB = `arn:aws:iam::${ACCOUNT}:role/hub`;
const role = (name: string) => `arn:aws:iam::${OTHER_ACCOUNT}:role/${name}`;
const ROLES = { [HUB]: 'hub', [role('alpha')]: 'alpha', [role('beta')]: 'beta' };
const PROFILES = `alpha: ${role('alpha')}\nbeta: ${role('beta')}`;
const JOB_FOLDER = /^assume-aws-role-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;

describe('on a self-hosted runner', () => {
  const inputs = { 'aws-region': 'us-east-1', 'role-to-assume': HUB, profiles: PROFILES };
  const HINT = 'On a self-hosted runner, profile-location: job keeps these profiles';

  it.each([
    ['self-hosted', 'home', true],
    ['self-hosted', 'job', false],
    ['github-hosted', 'home', false],
  ])(
    'on a %s runner with profile-location: %s, recommends the job-local files: %s',
    async (runnerKind, location, hint) => {
      answerRoles(sts, ROLES);
      const runner = new FakeRunner({ inputs: { ...inputs, 'profile-location': location } });
      await run(runner, { ...world.env(), RUNNER_ENVIRONMENT: runnerKind });
      expect(runner.failures).toEqual([]);
      expect(runner.log.includes(HINT)).toBe(hint);
    },
  );
});

describe('profile-location: job', () => {
  const inputs = {
    'aws-region': 'us-east-1',
    'role-to-assume': HUB,
    profiles: PROFILES,
    'profile-location': 'job',
  };

  it.each([
    ['puts back the files the job named', {}, () => [world.credentialsFile, world.configFile]],
    [
      'names the default ~/.aws files when the job named none',
      { AWS_SHARED_CREDENTIALS_FILE: undefined, AWS_CONFIG_FILE: undefined },
      () => [path.join(world.dir, '.aws', 'credentials'), path.join(world.dir, '.aws', 'config')],
    ],
  ])(
    'writes the profiles under RUNNER_TEMP and exports those files; the post step removes them and %s',
    async (_what, overrides, after) => {
      answerRoles(sts, ROLES);
      const main = new FakeRunner({ inputs });
      await run(main, world.env(overrides));
      expect(main.failures).toEqual([]);

      const credentials = main.exported.AWS_SHARED_CREDENTIALS_FILE ?? '';
      const config = main.exported.AWS_CONFIG_FILE ?? '';
      const folder = path.dirname(credentials);
      expect(path.dirname(folder)).toBe(world.dir);
      expect(path.basename(folder)).toMatch(JOB_FOLDER);
      expect(path.basename(credentials)).toBe('credentials');
      expect(config).toBe(path.join(folder, 'config'));
      expect(readFileSync(credentials, 'utf8')).toContain(
        `[alpha]\naws_access_key_id = ${sessionKeys('alpha').accessKeyId}\n`,
      );
      expect(readFileSync(config, 'utf8')).toBe(
        '[profile alpha]\nregion = us-east-1\n\n[profile beta]\nregion = us-east-1\n',
      );
      // The user's files, and ~/.aws, are not touched.
      expect(existsSync(world.credentialsFile)).toBe(false);
      expect(existsSync(world.configFile)).toBe(false);
      expect(existsSync(path.join(world.dir, '.aws'))).toBe(false);
      expect(main.log).toContain(`Wrote [beta] to ${credentials}`);
      expect(JSON.parse(main.saved[STATE.createdFiles] ?? '')).toEqual([config]);
      expectMaskedFirst(main, [
        ...sessionSecrets('hub'),
        ...sessionSecrets('alpha'),
        ...sessionSecrets('beta'),
      ]);

      const post = new FakeRunner({ state: main.saved });
      await cleanup(post, world.env({ ...overrides, ...main.exported }));

      expect(post.failures).toEqual([]);
      expect(post.callsOf('warning')).toEqual([]);
      expect(existsSync(folder)).toBe(false);
      expect(readdirSync(world.dir).filter((name) => JOB_FOLDER.test(name))).toEqual([]);
      const [credentialsAfter, configAfter] = after();
      expect(post.exported).toMatchObject({
        AWS_SHARED_CREDENTIALS_FILE: credentialsAfter,
        AWS_CONFIG_FILE: configAfter,
      });
      expect(post.log).toContain(`removed [alpha] from ${credentials}`);
      expect(post.log).toContain(`removed [profile beta] from ${config}`);
      expect(existsSync(path.join(world.dir, '.aws'))).toBe(false);
    },
  );

  it('refuses no profile that exists in the shared files: the job files are new', async () => {
    answerRoles(sts, ROLES);
    world.write(world.credentialsFile, '[alpha]\naws_access_key_id = MINE\n');
    const main = new FakeRunner({ inputs });
    await run(main, world.env());

    expect(main.failures).toEqual([]);
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe('[alpha]\naws_access_key_id = MINE\n');
  });
});

describe('profiles in the shared files (profile-location: home)', () => {
  // Fails, as above: the post step leaves the files it created for two profiles empty, and their folder.
  it('the post step deletes the files and the folder it created for them', async () => {
    answerRoles(sts, ROLES);
    const main = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': HUB, profiles: PROFILES },
    });
    await run(main, world.env());
    expect(main.failures).toEqual([]);
    expect(readFileSync(world.credentialsFile, 'utf8')).toContain('[beta]');

    const post = new FakeRunner({ state: main.saved });
    await cleanup(post, world.env(main.exported));

    expect(post.failures).toEqual([]);
    expect(post.log).toContain(`removed [profile beta] from ${world.configFile}`);
    expect(existsSync(world.credentialsFile)).toBe(false);
    expect(existsSync(world.configFile)).toBe(false);
    expect(existsSync(path.dirname(world.credentialsFile))).toBe(false);
  });
});

describe('the profile files are all or nothing', () => {
  const session = (label: string, arn: string) => ({
    credentials: sessionKeys(label),
    identity: { accountId: OTHER_ACCOUNT, arn },
  });
  const PLAN: PlanResult = {
    primary: {
      ...session('hub', `arn:aws:sts::${ACCOUNT}:assumed-role/hub/GitHubActions`),
      roleArn: HUB,
      source: 'github-oidc',
      sessionTags: undefined,
    },
    profiles: ['alpha', 'beta'].map((name) => ({
      name,
      roleArn: role(name),
      ...session(name, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/${name}/GitHubActions`),
      sessionTags: undefined,
    })),
  };
  const exportWith = (
    runner: FakeRunner,
    env: NodeJS.ProcessEnv,
    { platform = 'linux' as NodeJS.Platform, runnerTemp = world.dir } = {},
  ) =>
    exportCredentials(
      PLAN,
      readConfig((name) => runner.getInput(name), env),
      {
        runner,
        mask: (secret) => secret && runner.setSecret(secret),
        env,
        processTarget: { runnerTemp, node: '/usr/bin/node', script: '/action/dist/refresh/index.js' },
        platform,
      },
    );
  const expectNothingHandedOn = (runner: FakeRunner) => {
    expect(runner.callsOf('exportVariable')).toEqual([]);
    expect(runner.callsOf('setOutput')).toEqual([]);
    expect(runner.callsOf('saveState')).toEqual([]);
  };

  it('when the config file cannot be written: the credentials file is as it was, and nothing is exported', () => {
    const before = '# by hand\n[default]\naws_access_key_id = KEEP\n';
    world.write(world.credentialsFile, before);
    // A directory where the config file should be: the first config section fails after [alpha] was written.
    mkdirSync(world.configFile, { recursive: true });
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', profiles: PROFILES } });

    expect(() => exportWith(runner, world.env())).toThrow(
      /is a folder or another kind of file, not a file of profiles/,
    );
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe(before);
    expectNothingHandedOn(runner);
    expectMaskedFirst(runner, [...sessionSecrets('alpha'), ...sessionSecrets('beta')]);
  });

  /** Exports PLAN on Windows with an earlier AWS_PROFILE: its profile, written after the profiles, fails. */
  const failAfterProfiles = (runner: FakeRunner) => {
    // On Windows the profile for an earlier AWS_PROFILE needs a folder under RUNNER_TEMP, which cannot be
    // made under a file.
    const notAFolder = path.join(world.dir, 'not-a-folder');
    writeFileSync(notAFolder, '');
    const env = world.env({ AWS_PROFILE: 'build', USERPROFILE: world.dir });
    return () => exportWith(runner, env, { platform: 'win32', runnerTemp: path.join(notAFolder, 'temp') });
  };
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

  it('when a file after the profiles fails: every profile section written before is taken out again', () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', profiles: PROFILES } });

    expect(failAfterProfiles(runner)).toThrow(/ENOTDIR/);
    expect(read(world.credentialsFile)).toBe('');
    expect(read(world.configFile)).toBe('');
    expectNothingHandedOn(runner);
  });

  // Fails: src/export/profile-files.ts records `created` per section (replaceSectionLocked: `before === undefined`),
  // so beta's sections, written into the files alpha's created, say created: false; removeSections then writes
  // those files back empty instead of deleting them, and the folder they are in stays.
  it('the files it created for the profiles are deleted again, with their folder', () => {
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', profiles: PROFILES } });

    expect(failAfterProfiles(runner)).toThrow(/ENOTDIR/);
    expect(existsSync(world.credentialsFile)).toBe(false);
    expect(existsSync(world.configFile)).toBe(false);
    expect(existsSync(path.dirname(world.credentialsFile))).toBe(false);
  });

  it('the same with files the user had: each is left exactly as it was', () => {
    world.write(world.credentialsFile, '[mine]\naws_access_key_id = KEEP\n');
    world.write(world.configFile, '[profile build]\nregion = eu-west-1\n');
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', profiles: PROFILES } });

    expect(failAfterProfiles(runner)).toThrow(/ENOTDIR/);
    expect(readFileSync(world.credentialsFile, 'utf8')).toBe('[mine]\naws_access_key_id = KEEP\n');
    expect(readFileSync(world.configFile, 'utf8')).toBe('[profile build]\nregion = eu-west-1\n');
    expectNothingHandedOn(runner);
  });
});
