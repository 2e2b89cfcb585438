// What the step tells the reader besides its exports: the job summary (GITHUB_STEP_SUMMARY), a short default log
// with the details folded into a group, and warnings about how the workflow uses the action.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { runAction, useWorld } from './fixture.js';
import { GITHUB_RUN } from './world/github-run.js';
import type { ActionStep } from './world/runner.js';

const world = useWorld();

beforeEach(() => {
  world().sts.clear();
  world().oidc.reset();
});

/** The summary's table as name → value (its `| name | value |` rows). */
function summaryTable(summary: string): Record<string, string> {
  const rows = summary
    .split('\n')
    .filter((line) => line.startsWith('| ') && line.endsWith(' |'))
    .map((line) => line.slice(2, -2).split(' | '))
    .filter((cells) => cells.length === 2 && cells[0] !== '---');
  return Object.fromEntries(rows);
}

const warnings = (step: ActionStep) =>
  step.log
    .split('\n')
    .filter((line) => line.startsWith('::warning::'))
    .map((line) => line.slice('::warning::'.length));

describe('the job summary', () => {
  it('after GitHub OIDC: source, identity, region, expiry (= AWS_CREDENTIAL_EXPIRATION), tags, retries, time', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, { 'role-to-assume': account.deployRole });

    expect(step.exitCode).toBe(0);
    const expiry = step.exported.AWS_CREDENTIAL_EXPIRATION ?? '';
    expect(new Date(expiry).getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    expect(step.summary.startsWith('### AWS credentials\n')).toBe(true);
    expect(summaryTable(step.summary)).toEqual({
      'Credential source': 'GitHub OIDC',
      Identity: `\`arn:aws:sts::${account.accountId}:assumed-role/deploy/GitHubActions\``,
      Region: world().region,
      'STS endpoint': `\`${world().stsEndpoint}\``,
      Expires: `${expiry} (in 60 min)`,
      'Session tags': 'none sent',
      Retries: '0',
      Time: expect.stringMatching(/^(\d+ ms|\d+\.\d s)$/),
    });
  });

  it('with access keys and mask-aws-account-id: the tags sent, and the account hidden everywhere', async () => {
    const { account } = world();
    const job = world().newJob();
    const step = await runAction(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
      'mask-aws-account-id': true,
    });

    expect(step.exitCode).toBe(0);
    const table = summaryTable(step.summary);
    expect(table).toMatchObject({
      'Credential source': 'access keys',
      Identity: '`arn:aws:sts::***:assumed-role/deploy/GitHubActions`',
    });
    expect(table['Session tags']).toContain(`\`Repository=${GITHUB_RUN.repository}\``);
    expect(table['Session tags']).toContain(`\`Commit=${GITHUB_RUN.sha}\``);
    expect(step.summary).not.toContain(account.accountId);
    expect(step.display).not.toContain(account.accountId);
  });

  it('after a refused OIDC assume: the error and the diagnosis, the account hidden', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: { environment: 'production' } });
    const step = await runAction(world(), job, {
      'role-to-assume': account.mainBranchRole,
      'mask-aws-account-id': true,
    });

    expect(step.exitCode).toBe(1);
    const summary = step.summary;
    expect(
      summary.startsWith(
        '### AWS credentials: failed\n\n> Could not assume arn:aws:iam::***:role/deploy-main',
      ),
    ).toBe(true);
    const diagnosis = summary.slice(summary.indexOf('```text\n') + 8, summary.indexOf('\n```\n')).split('\n');
    expect(diagnosis[0]).toBe(
      'Why STS refused the token (AccessDenied) for arn:aws:iam::***:role/deploy-main:',
    );
    expect(diagnosis).toContain(`  sub               repo:${GITHUB_RUN.repository}:environment:production`);
    expect(diagnosis).toContain(`  environment       production`);
    expect(diagnosis).toContain(
      `        "token.actions.githubusercontent.com:sub": "repo:${GITHUB_RUN.repository}:environment:production"`,
    );
    // The same lines as in the log, where they stand outside the group, right before the error.
    const log = step.log.split('\n');
    const from = log.indexOf('::endgroup::') + 1;
    expect(
      log.slice(from, from + diagnosis.length).map((line) => line.split(account.accountId).join('***')),
    ).toEqual(diagnosis);
    expect(log[from + diagnosis.length]).toMatch(/^::error::/);
    expect(summaryTable(summary)).toMatchObject({
      'Credential source': 'GitHub OIDC',
      Region: world().region,
    });
    expect(summary).not.toContain(account.accountId);
  });

  it.each([
    ['success', true],
    ['failure', false],
  ])('is not written with summary: false (%s)', async (_what, trusted) => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': trusted ? account.deployRole : account.productionRole,
      summary: false,
    });

    expect(step.exitCode).toBe(trusted ? 0 : 1);
    expect(step.summary).toBe('');
  });
});

describe('the log', () => {
  it('folds how the credentials were obtained into one group; outside it, who and what was exported', async () => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, { 'role-to-assume': account.deployRole });

    expect(step.exitCode).toBe(0);
    const lines = step.log.trimEnd().split('\n');
    const start = lines.indexOf('::group::Getting AWS credentials');
    const end = lines.indexOf('::endgroup::');
    expect(lines.filter((line) => /^::(end)?group::/.test(line))).toHaveLength(2);
    // Before the group only masks: the ID-token bearer, first of all.
    expect(lines.slice(0, start)).toEqual([`::add-mask::${job.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`]);
    const inside = lines.slice(start + 1, end).filter((line) => !line.startsWith('::add-mask::'));
    expect(inside).toEqual([
      `STS endpoint: ${world().stsEndpoint} (sts-endpoint input)`,
      expect.stringMatching(/^Credential source: github-oidc \(/),
      `Assuming ${account.deployRole} as session GitHubActions for 3600 s`,
    ]);
    expect(lines.slice(start + 1, end).filter((line) => line.startsWith('::add-mask::'))).toHaveLength(4);
    expect(lines.slice(end + 1)).toEqual([
      expect.stringMatching(
        new RegExp(`^Authenticated as arn:aws:sts::${account.accountId}:assumed-role/deploy/GitHubActions; `),
      ),
      'Exported for later steps: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION, AWS_DEFAULT_REGION, AWS_SDK_UA_APP_ID',
    ]);
  });
});

describe('warnings about how the workflow uses the action', () => {
  it.each([
    ['main', true],
    ['release-candidate', true],
    ['v1', false],
    ['v1.2.3', false],
    [GITHUB_RUN.sha, false],
  ])('pinned to %s: warns %s', async (actionRef, warns) => {
    const job = world().newJob({ idToken: true });
    const step = await runAction(
      world(),
      job,
      { 'role-to-assume': world().account.deployRole },
      { actionRef },
    );

    expect(step.exitCode).toBe(0);
    expect(warnings(step)).toEqual(
      warns
        ? [
            `This action is pinned to "${actionRef}", which looks like a branch: whoever can push to it changes the code that handles your AWS credentials. Pin a release tag or, better, a full commit SHA.`,
          ]
        : [],
    );
  });

  it('warns about access keys in a pull_request_target workflow, not about GitHub OIDC there', async () => {
    const { account } = world();
    const env = { GITHUB_EVENT_NAME: 'pull_request_target' };
    const withKeys = await runAction(world(), world().newJob({ env }), {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'role-to-assume': account.deployRole,
    });
    expect(withKeys.exitCode).toBe(0);
    expect(warnings(withKeys)).toEqual([
      expect.stringMatching(/^Access keys are used in a pull_request_target workflow/),
    ]);

    const withOidc = await runAction(world(), world().newJob({ idToken: true, env }), {
      'role-to-assume': account.deployRole,
    });
    expect(withOidc.exitCode).toBe(0);
    expect(warnings(withOidc)).toEqual([]);
  });
});
