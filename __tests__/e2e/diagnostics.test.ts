// Why GitHub OIDC was refused: on a denied AssumeRoleWithWebIdentity the step prints the token's claims (never the
// token), the role it tried and a trust policy statement that admits exactly this job — and that statement really
// does: the seeded role whose trust policy is exactly it lets the same job in.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { runAction, useWorld } from './fixture.js';
import { GITHUB_RUN } from './world/github-run.js';
import type { ActionStep } from './world/runner.js';
import { OIDC_TRUST } from './world/seed.js';

const world = useWorld();

beforeEach(() => {
  world().sts.clear();
  world().oidc.reset();
});

const CLAIM_LINE = /^ {2}(\w+) +(.+)$/;

/** What the diagnosis printed: the claims, the suggested statement, the likely causes, and its first line. */
function diagnosisOf(step: ActionStep) {
  const lines = step.log.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Why STS refused the token'));
  const statementAt = lines.indexOf('A trust policy statement that admits exactly this job:');
  const causesAt = lines.indexOf('Likely causes:');
  const errorAt = lines.findIndex((line) => line.startsWith('::error::'));
  expect([start, statementAt, errorAt].every((at) => at >= 0)).toBe(true);
  const statementEnd = causesAt === -1 ? errorAt : causesAt;
  return {
    heading: lines[start] ?? '',
    claims: Object.fromEntries(
      lines.slice(start + 1, statementAt).map((line) => (CLAIM_LINE.exec(line) ?? []).slice(1, 3)),
    ) as Record<string, string>,
    statement: JSON.parse(lines.slice(statementAt + 1, statementEnd).join('\n')) as unknown,
    causes: causesAt === -1 ? [] : lines.slice(causesAt + 1, errorAt),
    /** Lines of the whole step log as the runner shows it. */
    shownLines: step.display.split('\n').length,
  };
}

/** Refused once: one ID token, one AssumeRoleWithWebIdentity (not retried), one error line, nothing exported. */
function expectRefusedOnce(step: ActionStep, roleArn: string, code: string): string {
  expect(step.exitCode).toBe(1);
  expect(step.exported).toEqual({});
  expect(world().oidc.requests).toHaveLength(1);
  expect(world().sts.requests.map((r) => [r.action, r.params.RoleArn, r.status])).toEqual([
    ['AssumeRoleWithWebIdentity', roleArn, code === 'AccessDenied' ? 403 : 400],
  ]);
  const errors = step.log.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(roleArn);
  expect(errors[0]).toContain(code);
  // No JWT anywhere but on its own ::add-mask:: line (the secrets rule of runAction checks the exact tokens).
  const jwt = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
  expect(step.log.split('\n').filter((line) => jwt.test(line) && !line.startsWith('::add-mask::'))).toEqual(
    [],
  );
  return errors[0] ?? '';
}

describe.each([
  { debug: false, mode: 'normal log' },
  { debug: true, mode: 'RUNNER_DEBUG=1' },
])('a refused GitHub OIDC assume ($mode)', ({ debug }) => {
  it('in an environment, on a role that trusts only the main branch: claims, the environment statement, the cause', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: { environment: 'production' }, debug });
    const denied = await runAction(world(), job, { 'role-to-assume': account.mainBranchRole });

    expectRefusedOnce(denied, account.mainBranchRole, 'AccessDenied');
    const diagnosis = diagnosisOf(denied);
    expect(diagnosis.heading).toBe(
      `Why STS refused the token (AccessDenied) for ${account.mainBranchRole}: the token's claims that trust policies match:`,
    );
    expect(diagnosis.claims).toEqual({
      iss: 'https://token.actions.githubusercontent.com',
      aud: 'sts.amazonaws.com',
      sub: `repo:${GITHUB_RUN.repository}:environment:production`,
      repository: GITHUB_RUN.repository,
      ref: GITHUB_RUN.ref,
      environment: 'production',
      job_workflow_ref: `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@${GITHUB_RUN.ref}`,
      event_name: GITHUB_RUN.eventName,
    });
    expect(diagnosis.statement).toEqual(OIDC_TRUST.production);
    expect(diagnosis.causes).toEqual([
      `  - the job runs in environment "production", so its sub is "repo:${GITHUB_RUN.repository}:environment:production" (the environment form), not the branch form repo:…:ref:refs/heads/…`,
    ]);
    // The whole step log as shown, diagnosis and error included, fits one screen (debug adds a stack trace).
    if (!debug) expect(diagnosis.shownLines).toBeLessThanOrEqual(40);

    // The suggested statement admits this job: the role that trusts exactly it lets the same job in.
    const admitted = await runAction(world(), job, { 'role-to-assume': account.productionRole });
    expect(admitted.exitCode).toBe(0);
    expect(admitted.outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${account.accountId}:assumed-role/deploy-production/GitHubActions`,
    );
  });

  it('on a branch, on a role that trusts only an environment: the branch sub and its statement, no causes', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true, debug });
    const denied = await runAction(world(), job, { 'role-to-assume': account.productionRole });

    const error = expectRefusedOnce(denied, account.productionRole, 'AccessDenied');
    expect(error).toContain(`sub = "repo:${GITHUB_RUN.repository}:ref:refs/heads/main"`);
    const diagnosis = diagnosisOf(denied);
    expect(diagnosis.claims).toMatchObject({
      sub: `repo:${GITHUB_RUN.repository}:ref:refs/heads/main`,
      environment: '(not in the token)',
    });
    expect(diagnosis.statement).toEqual(OIDC_TRUST.mainBranch);
    expect(diagnosis.causes).toEqual([]);

    const admitted = await runAction(world(), job, { 'role-to-assume': account.mainBranchRole });
    expect(admitted.exitCode).toBe(0);
  });

  it('with an audience the account`s OIDC provider does not list: InvalidIdentityToken, the aud and the causes', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true, debug });
    const denied = await runAction(world(), job, {
      'role-to-assume': account.deployRole,
      audience: 'sts.example.com',
    });

    expectRefusedOnce(denied, account.deployRole, 'InvalidIdentityToken');
    const diagnosis = diagnosisOf(denied);
    expect(diagnosis.heading).toContain(`(InvalidIdentityToken) for ${account.deployRole}`);
    expect(diagnosis.claims.aud).toBe('sts.example.com');
    expect(diagnosis.statement).toMatchObject({
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.example.com' } },
    });
    expect(diagnosis.causes).toEqual([
      '  - the account has no IAM OIDC identity provider for https://token.actions.githubusercontent.com, or the provider\'s audience list lacks "sts.example.com"',
      '  - the audience is custom ("sts.example.com"): the IAM OIDC provider\'s audience list and the trust policy\'s :aud condition must both name it',
    ]);
  });
});
