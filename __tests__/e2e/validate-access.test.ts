// The seed's "validate access" step: after the action, later steps use what it exported with the AWS CLI, and
// get the role's permissions, which the source user alone does not have.
import { describe, expect, it } from '@jest/globals';
import { runAction, useWorld } from './fixture.js';

const world = useWorld();

describe('a later step with the AWS CLI', () => {
  it('is the assumed role after GitHub OIDC, and can list the bucket with its permissions', async () => {
    const { account, aws } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': account.deployRole,
      'role-session-name': 'release-7',
    });
    expect(step.exitCode).toBe(0);

    const identity = await job.run(aws(['sts', 'get-caller-identity', '--output', 'json']));
    expect(identity).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(identity.stdout)).toMatchObject({
      Account: account.accountId,
      Arn: `arn:aws:sts::${account.accountId}:assumed-role/deploy/release-7`,
    });
    const buckets = await job.run(aws(['s3', 'ls']));
    expect(buckets).toMatchObject({ exitCode: 0, stderr: '' });
    expect(buckets.stdout).toMatch(new RegExp(` ${account.bucket}\n$`));
    const objects = await job.run(aws(['s3', 'ls', '--recursive', `s3://${account.bucket}`]));
    expect(objects.stdout).toContain(account.object);
  });

  it('is only the source user with its keys and no role, and S3 denies it', async () => {
    const { account, aws } = world();
    const job = world().newJob();
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
    });
    expect(step.exitCode).toBe(0);

    const identity = await job.run(aws(['sts', 'get-caller-identity', '--output', 'json']));
    expect(JSON.parse(identity.stdout)).toMatchObject({ Arn: account.userArn });
    const buckets = await job.run(aws(['s3', 'ls']));
    expect(buckets.exitCode).not.toBe(0);
    expect(buckets.stderr).toContain('AccessDenied');
  });

  it('can use a profile the action wrote with aws-profile through `aws --profile`', async () => {
    const { account, aws } = world();
    const job = world().newJob();
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
      'aws-profile': 'deploy',
    });
    expect(step.exitCode).toBe(0);
    expect(job.env.AWS_ACCESS_KEY_ID).toBeUndefined();

    const identity = await job.run(
      aws(['--profile', 'deploy', 'sts', 'get-caller-identity', '--output', 'json']),
    );
    expect(JSON.parse(identity.stdout)).toMatchObject({
      Arn: `arn:aws:sts::${account.accountId}:assumed-role/deploy/GitHubActions`,
    });
    const buckets = await job.run(aws(['--profile', 'deploy', 's3', 'ls']));
    expect(buckets).toMatchObject({ exitCode: 0, stderr: '' });
    expect(buckets.stdout).toContain(account.bucket);
  });
});
