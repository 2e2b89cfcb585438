// Why GitHub OIDC was refused: on a denied AssumeRoleWithWebIdentity the step prints the token's subject in both of
// GitHub's forms, the values of every claim STS checks as a condition key (never the token), and a trust policy
// statement that admits exactly this job — and that statement really does: the seeded role whose trust policy is
// exactly it lets the same job in. Also the README's example of that log is what the step prints.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { runAction, useWorld } from './fixture.js';
import { ENTERPRISE, GITHUB_RUN, GITHUB_SUBJECT, IMMUTABLE_SUBJECT } from './world/github-run.js';
import type { ActionStep } from './world/runner.js';
import { OIDC_TRUST } from './world/seed.js';

const world = useWorld();

beforeEach(() => {
  world().sts.clear();
  world().oidc.reset();
});

const KEY_LINE = /^ {2}(\w+) +(.+)$/;
const STATEMENT_HEADING = 'A trust policy statement that admits exactly this job:';

/** What the diagnosis printed, part by part. */
function diagnosisOf(step: ActionStep) {
  const lines = step.log.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Why STS refused the token'));
  const keysAt = lines.findIndex((line) => line.startsWith('The condition keys STS checks'));
  const statementAt = lines.indexOf(STATEMENT_HEADING);
  const statementEnd = lines.indexOf('  }', statementAt) + 1;
  const errorAt = lines.findIndex((line) => line.startsWith('::error::'));
  expect([start, keysAt, statementAt, errorAt].every((at) => at >= 0)).toBe(true);
  const after = lines.slice(statementEnd, errorAt);
  const causesAt = after.indexOf('Likely causes:');
  const keyLines = lines.slice(keysAt + 1, statementAt);
  return {
    heading: lines[start] ?? '',
    /** The issuer and subject lines between the heading and the condition keys. */
    about: lines.slice(start + 1, keysAt),
    keysHeading: lines[keysAt] ?? '',
    keys: Object.fromEntries(
      keyLines.flatMap((line) => {
        const [, name, value] = KEY_LINE.exec(line) ?? [];
        return name === undefined ? [] : [[name, value]];
      }),
    ) as Record<string, string>,
    absent: keyLines.find((line) => line.startsWith('  (not in this token:')) ?? '',
    statement: JSON.parse(lines.slice(statementAt + 1, statementEnd).join('\n')) as unknown,
    bothForms: after.find((line) => line.startsWith('To admit both subject forms')),
    causes: causesAt === -1 ? [] : after.slice(causesAt + 1),
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

const WORKFLOW_REF = `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@${GITHUB_RUN.ref}`;

describe.each([
  { debug: false, mode: 'normal log' },
  { debug: true, mode: 'RUNNER_DEBUG=1' },
])('a refused GitHub OIDC assume ($mode)', ({ debug }) => {
  it('an immutable-subject token on a role written for the name form: both forms, the keys, the statement, the cause', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: { subject: 'immutable' }, debug });
    const denied = await runAction(world(), job, { 'role-to-assume': account.mainBranchRole });

    const error = expectRefusedOnce(denied, account.mainBranchRole, 'AccessDenied');
    expect(error).toContain(
      `sub = "${IMMUTABLE_SUBJECT}" (the immutable form; a policy written for repo:OWNER/REPO:… refuses it)`,
    );
    const diagnosis = diagnosisOf(denied);
    expect(diagnosis.heading).toBe(`Why STS refused the token (AccessDenied) for ${account.mainBranchRole}:`);
    expect(diagnosis.about).toEqual([
      `  issuer   https://token.actions.githubusercontent.com, whose IAM OIDC provider is ${account.oidcProvider}`,
      `  subject  ${IMMUTABLE_SUBJECT} (the immutable form repo:OWNER@OWNER_ID/REPO@REPO_ID, the default for repositories created or renamed since 2026-07-15)`,
      `  not      ${GITHUB_SUBJECT} (the name form: a trust policy written for it refuses this token)`,
    ]);
    expect(diagnosis.keysHeading).toBe(
      "The condition keys STS checks (token.actions.githubusercontent.com:<key>) and this token's values:",
    );
    expect(diagnosis.keys).toEqual({
      aud: 'sts.amazonaws.com',
      sub: IMMUTABLE_SUBJECT,
      repository: GITHUB_RUN.repository,
      repository_id: GITHUB_RUN.repositoryId,
      ref: GITHUB_RUN.ref,
      job_workflow_ref: WORKFLOW_REF,
      workflow: GITHUB_RUN.workflow,
      actor: GITHUB_RUN.actor,
      actor_id: GITHUB_RUN.actorId,
    });
    expect(diagnosis.absent).toBe('  (not in this token: environment, enterprise_id)');
    expect(diagnosis.statement).toEqual(OIDC_TRUST.immutableMainBranch);
    expect(diagnosis.bothForms).toContain(`["${GITHUB_SUBJECT}","${IMMUTABLE_SUBJECT}"]`);
    expect(diagnosis.causes).toEqual([
      `  - this repository has the immutable subject form, so a trust policy written as ${GITHUB_SUBJECT} (older guides and templates) refuses it: use the statement above, or admit both forms`,
    ]);
    // The whole step log as shown, diagnosis and error included, fits one screen (debug adds a stack trace).
    if (!debug) expect(diagnosis.shownLines).toBeLessThanOrEqual(45);

    // The suggested statement admits this job: the role that trusts exactly it lets the same job in.
    const admitted = await runAction(world(), job, { 'role-to-assume': account.immutableRole });
    expect(admitted.exitCode).toBe(0);
    expect(admitted.outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${account.accountId}:assumed-role/deploy-immutable/GitHubActions`,
    );
  });

  it('a name-form token on a role written for the immutable form: the other form is the one the role wants', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true, debug });
    const denied = await runAction(world(), job, { 'role-to-assume': account.immutableRole });

    expectRefusedOnce(denied, account.immutableRole, 'AccessDenied');
    const diagnosis = diagnosisOf(denied);
    expect(diagnosis.about.slice(1)).toEqual([
      `  subject  ${GITHUB_SUBJECT} (the name form repo:OWNER/REPO)`,
      `  not      ${IMMUTABLE_SUBJECT} (the immutable form: a trust policy written for it refuses this token)`,
    ]);
    expect(diagnosis.statement).toEqual(OIDC_TRUST.mainBranch);
    expect(diagnosis.causes).toEqual([]);

    const admitted = await runAction(world(), job, { 'role-to-assume': account.mainBranchRole });
    expect(admitted.exitCode).toBe(0);
  });

  it('in an environment, on a role that trusts only the main branch: the environment sub, its statement, the cause', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: { environment: 'production' }, debug });
    const denied = await runAction(world(), job, { 'role-to-assume': account.mainBranchRole });

    expectRefusedOnce(denied, account.mainBranchRole, 'AccessDenied');
    const diagnosis = diagnosisOf(denied);
    expect(diagnosis.keys).toMatchObject({
      sub: `repo:${GITHUB_RUN.repository}:environment:production`,
      environment: 'production',
    });
    expect(diagnosis.statement).toEqual(OIDC_TRUST.production);
    expect(diagnosis.causes).toEqual([
      `  - the job runs in environment "production", so its sub is "repo:${GITHUB_RUN.repository}:environment:production" (the environment form), not the branch form …:ref:refs/heads/…`,
    ]);

    const admitted = await runAction(world(), job, { 'role-to-assume': account.productionRole });
    expect(admitted.exitCode).toBe(0);
  });

  it('a token from the enterprise`s own issuer, on a role that trusts the public one: its provider and key prefix', async () => {
    const { account } = world();
    const host = ENTERPRISE.issuer.replace('https://', '');
    const job = world().newJob({ idToken: { enterprise: true }, debug });
    const denied = await runAction(world(), job, { 'role-to-assume': account.mainBranchRole });

    expectRefusedOnce(denied, account.mainBranchRole, 'AccessDenied');
    const diagnosis = diagnosisOf(denied);
    expect(diagnosis.about[0]).toBe(
      `  issuer   ${ENTERPRISE.issuer}, whose IAM OIDC provider is ${account.enterpriseOidcProvider}`,
    );
    expect(diagnosis.keysHeading).toBe(
      `The condition keys STS checks (${host}:<key>) and this token's values:`,
    );
    expect(diagnosis.keys.enterprise_id).toBe(ENTERPRISE.id);
    expect(diagnosis.statement).toEqual(OIDC_TRUST.enterpriseMainBranch);
    expect(diagnosis.causes).toEqual([
      `  - the token comes from your enterprise's issuer ${ENTERPRISE.issuer}: the role must trust the IAM OIDC provider for ${host} (not the public token.actions.githubusercontent.com), and its condition keys start with ${host}:`,
    ]);

    const admitted = await runAction(world(), job, { 'role-to-assume': account.enterpriseRole });
    expect(admitted.exitCode).toBe(0);
    expect(admitted.outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${account.accountId}:assumed-role/deploy-enterprise/GitHubActions`,
    );
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
    expect(diagnosis.heading).toBe(
      `Why STS refused the token (InvalidIdentityToken) for ${account.deployRole}:`,
    );
    expect(diagnosis.keys.aud).toBe('sts.example.com');
    expect(diagnosis.statement).toMatchObject({
      Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.example.com' } },
    });
    expect(diagnosis.causes).toEqual([
      '  - the account has no IAM OIDC identity provider for https://token.actions.githubusercontent.com, or the provider\'s audience list lacks "sts.example.com"',
      '  - the audience is custom ("sts.example.com"): the IAM OIDC provider\'s audience list and the trust policy\'s :aud condition must both name it',
    ]);
  });
});

describe("docs/troubleshooting.md's example of a refusal", () => {
  it('is the log the step shows for it, line for line', async () => {
    const { account } = world();
    const doc = readFileSync('docs/troubleshooting.md', 'utf8');
    expect(doc).toContain('## Why was my OIDC request refused?');
    const section = doc.slice(doc.indexOf('## Why was my OIDC request refused?'));
    const block = /```text\n▸ Getting AWS credentials\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(block).toBeDefined();

    const job = world().newJob({ idToken: { subject: 'immutable' } });
    const denied = await runAction(world(), job, { 'role-to-assume': account.mainBranchRole });
    const shown = denied.display.split('\n');
    const from = shown.findIndex((line) => line.startsWith('Why STS refused the token'));
    const to = shown.findIndex((line) => line.startsWith('Error: '));
    expect(block?.split('\n')).toEqual(shown.slice(from, to + 1));
  });
});

describe('a refused AssumeRole with session tags', () => {
  it('names sts:TagSession, gives both fixes, is tried once; without tags the same keys get the role', async () => {
    const { account } = world();
    const keys = {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
    };
    const job = world().newJob();
    const denied = await runAction(world(), job, { ...keys, 'role-to-assume': account.untaggedRole });

    expect(denied.exitCode).toBe(1);
    expect(denied.exported).toEqual({});
    expect(world().sts.requests.map((r) => [r.action, r.status])).toEqual([['AssumeRole', 403]]);
    const errors = denied.log.split('\n').filter((line) => line.startsWith('::error::'));
    expect(errors).toEqual([
      `::error::Could not assume ${account.untaggedRole} with the access keys: ${account.untaggedRole} may be assumed by this caller but not with session tags: ` +
        "its trust policy lacks sts:TagSession for the caller AWS names at the end (the action sent 11 session tags; the caller's own IAM policy must allow sts:TagSession too). " +
        'Either add "sts:TagSession" to the Action of the trust policy statement that admits the caller (Action: ["sts:AssumeRole", "sts:TagSession"]), ' +
        'or set role-skip-session-tagging: true to assume the role without tags. ' +
        `(AWS said: AccessDenied: User: ${account.userArn} is not authorized to perform: sts:TagSession on resource: ${account.untaggedRole})`,
    ]);

    world().sts.clear();
    const untagged = await runAction(world(), job, {
      ...keys,
      'role-to-assume': account.untaggedRole,
      'role-skip-session-tagging': true,
    });
    expect(untagged.exitCode).toBe(0);
    expect(world().sts.requests.map((r) => [r.action, r.status])).toEqual([['AssumeRole', 200]]);
  });
});
