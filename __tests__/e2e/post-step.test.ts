// The post step (runs.post) undoes what the main step did: afterwards no credential variable is set and no
// profile section the action wrote is left, while what the user had stays. A step can't unset a variable, and
// an empty AWS_PROFILE or AWS_REGION breaks the AWS CLI and SDKs in the post steps after this one: those are
// put back, or left naming something that works.
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runAction, runPost, useWorld } from './fixture.js';

const world = useWorld();

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
];

/** Set and not empty: GITHUB_ENV cannot unset a variable, so an empty one is how the runner clears it. */
const stillSet = (env: Record<string, string>) =>
  CREDENTIAL_VARIABLES.filter((name) => (env[name] ?? '') !== '');

/** Variables that break the AWS CLI or an SDK when set but empty. */
const emptied = (env: Record<string, string>) =>
  ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONFIG_FILE'].filter((name) => env[name] === '');

describe('the post step', () => {
  it.each([
    { debug: false, mode: 'normal log' },
    { debug: true, mode: 'RUNNER_DEBUG=1' },
  ])(
    'clears every variable the main step exported; later steps have no credentials ($mode)',
    async ({ debug }) => {
      const { account, aws } = world();
      const job = world().newJob({ idToken: true, debug });
      const main = await runAction(world(), job, { 'role-to-assume': account.deployRole });
      expect(stillSet(job.env)).toEqual([
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        'AWS_CREDENTIAL_EXPIRATION',
      ]);

      const [post] = await runPost(world(), job);
      expect(post?.exitCode).toBe(0);
      expect(Object.keys(post?.exported ?? {}).sort()).toEqual([...CREDENTIAL_VARIABLES].sort());
      expect(Object.keys(main.exported)).toEqual(expect.arrayContaining(CREDENTIAL_VARIABLES));
      expect(stillSet(job.env)).toEqual([]);
      // The region (no secret) stays for later post steps: an empty one fails the JS SDK "Region not accepted".
      expect(job.env).toMatchObject({ AWS_REGION: world().region, AWS_DEFAULT_REGION: world().region });
      expect(post?.log).toContain('left AWS_REGION, AWS_DEFAULT_REGION, AWS_SDK_UA_APP_ID as they are');
      const after = await job.run(aws(['sts', 'get-caller-identity']));
      expect(after.exitCode).not.toBe(0);
      expect(after.stderr).toContain('Unable to locate credentials');
    },
  );

  it('removes the profile sections it wrote and keeps the user`s own', async () => {
    const { account } = world();
    const job = world().newJob();
    const awsDir = path.join(job.home, '.aws');
    mkdirSync(awsDir, { recursive: true });
    const userConfig = '# my settings\n[default]\nregion = eu-west-1\n';
    writeFileSync(path.join(awsDir, 'config'), userConfig);

    const main = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
      'aws-profile': 'deploy',
      'output-env-credentials': true,
    });
    expect(main.exitCode).toBe(0);
    expect(job.env.AWS_PROFILE).toBe('deploy');
    expect(readFileSync(path.join(awsDir, 'config'), 'utf8')).toContain('[profile deploy]');

    const [post] = await runPost(world(), job);
    expect(post?.exitCode).toBe(0);
    expect(existsSync(path.join(awsDir, 'credentials'))).toBe(false);
    expect(stillSet(job.env)).toEqual([]);
    // AWS_PROFILE=deploy stays set, so [profile deploy] stays too, with its region and no credentials: the
    // CLI then says "Unable to locate credentials", not "The config profile (deploy) could not be found".
    expect(job.env.AWS_PROFILE).toBe('deploy');
    expect(readFileSync(path.join(awsDir, 'config'), 'utf8')).toMatch(
      /^# my settings\n\[default\]\nregion = eu-west-1\n\n\[profile deploy\]\n# Left by the assume-aws-role post step: .*\nregion = us-east-1\n$/,
    );
    const after = await job.run(world().aws(['sts', 'get-caller-identity']));
    expect(after.stderr).toContain('Unable to locate credentials');
  });

  it('removes the files and the ~/.aws folder it created when nothing else is in them', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    await runAction(world(), job, { 'role-to-assume': account.deployRole, 'aws-profile': 'deploy' });
    expect(existsSync(path.join(job.home, '.aws', 'credentials'))).toBe(true);

    const [post] = await runPost(world(), job);
    expect(post?.exitCode).toBe(0);
    expect(existsSync(path.join(job.home, '.aws'))).toBe(false);
    expect(emptied(job.env)).toEqual([]);
  });

  it('undoes both steps of a role chain, the last one first', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    await runAction(world(), job, { 'role-to-assume': account.deployRole }, { id: 'deploy' });
    await runAction(
      world(),
      job,
      { 'role-to-assume': account.chainedRole, 'role-chaining': true },
      { id: 'audit' },
    );

    const posts = await runPost(world(), job);
    expect(posts.map((step) => [step.id, step.exitCode])).toEqual([
      ['audit-post', 0],
      ['deploy-post', 0],
    ]);
    expect(stillSet(job.env)).toEqual([]);
    expect(emptied(job.env)).toEqual([]);
  });

  it('does not run when the job sets AWS_SKIP_CLEANUP_STEP=true (post-if), so the credentials stay', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true, env: { AWS_SKIP_CLEANUP_STEP: 'true' } });
    await runAction(world(), job, { 'role-to-assume': account.deployRole });

    expect(await job.post()).toEqual([{ id: 'assume-role', skipped: true }]);
    expect(stillSet(job.env)).toContain('AWS_SESSION_TOKEN');
  });

  it('has nothing to undo after a failed main step', async () => {
    const { account } = world();
    const job = world().newJob();
    const main = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': 'not-the-secret-key-of-this-access-key-id',
      'role-to-assume': account.deployRole,
    });
    expect(main.exitCode).toBe(1);

    const [post] = await runPost(world(), job);
    expect(post?.exitCode).toBe(0);
    expect(post?.exported).toEqual({});
    expect(post?.log).toContain('Cleanup: the main step exported nothing, so there is nothing to undo');
  });
});
