// When STS refuses, the step fails with a message that says why and what to change, and exports nothing.
import { describe, expect, it } from '@jest/globals';
import { runAction, useWorld } from './fixture.js';
import type { ActionStep } from './world/runner.js';

const world = useWorld();

/** Failed, said so on an ::error:: line, and handed nothing to later steps. */
function expectFailedWithNothingExported(step: ActionStep): string {
  expect(step.exitCode).toBe(1);
  expect(step.exported).toEqual({});
  expect(step.outputs).toEqual({});
  expect(step.state).toEqual({});
  const errors = step.log.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  return errors[0] ?? '';
}

describe.each([
  { debug: false, mode: 'normal log' },
  { debug: true, mode: 'RUNNER_DEBUG=1' },
])('failures ($mode)', ({ debug }) => {
  it('wrong secret key: the signature was rejected, nothing exported', async () => {
    const { account } = world();
    const job = world().newJob({ debug });
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': `${account.secretAccessKey.slice(0, -4)}WXYZ`,
      'role-to-assume': account.deployRole,
    });

    const error = expectFailedWithNothingExported(step);
    expect(error).toContain('AWS rejected the request signature');
    expect(error).toContain('the access keys aws-access-key-id/aws-secret-access-key are wrong');
    expect(error).toContain('SignatureDoesNotMatch');
    expect(Object.keys(job.env).filter((name) => /^AWS_(ACCESS|SECRET|SESSION)/.test(name))).toEqual([]);
  });

  it('unknown access key id: the keys were rejected, nothing exported', async () => {
    const { account } = world();
    const job = world().newJob({ debug });
    const step = await runAction(world(), job, {
      'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
      'aws-secret-access-key': account.secretAccessKey,
    });

    const error = expectFailedWithNothingExported(step);
    expect(error).toContain('the access keys aws-access-key-id/aws-secret-access-key are wrong');
    expect(error).toContain('InvalidClientTokenId');
  });

  it('a role that does not trust the source user: access denied, with what the trust policy needs', async () => {
    const { account } = world();
    const job = world().newJob({ debug });
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.chainedRole,
    });

    const error = expectFailedWithNothingExported(step);
    expect(error).toContain(`may not assume ${account.chainedRole}`);
    expect(error).toContain('AccessDenied');
  });

  it('an OIDC audience the account does not accept: STS refused the token', async () => {
    const job = world().newJob({ idToken: true, debug });
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      audience: 'sts.example.com',
    });

    const error = expectFailedWithNothingExported(step);
    expect(error).toContain('STS refused the token itself');
    expect(error).toContain('"sts.example.com"');
    expect(error).toContain('InvalidIdentityToken');
  });

  it('a role whose trust policy does not accept this repository`s token: access denied, with the token`s sub', async () => {
    const job = world().newJob({ idToken: true, debug });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.chainedRole });

    const error = expectFailedWithNothingExported(step);
    expect(error).toContain(`the trust policy of ${world().account.chainedRole} does not accept this token`);
    expect(error).toContain('sub = "repo:octo-org/octo-repo:ref:refs/heads/main"');
  });
});
