// A job without a GitHub OIDC token on a GitHub-hosted runner: the step names the one cause the event shows (a fork's
// pull request, Dependabot, a pull_request_target or workflow_run run, or the missing permission), makes no request
// at all and exports nothing. With credentials an earlier step left, it goes on with them as the reference does, but
// says so in a warning.
import { beforeEach, describe, expect, it } from '@jest/globals';
import { runAction, useWorld } from './fixture.js';
import { GITHUB_RUN } from './world/github-run.js';
import type { ActionStep } from './world/runner.js';

const world = useWorld();

beforeEach(() => {
  world().sts.clear();
  world().oidc.reset();
});

/** A pull_request payload whose head is `head` (a fork when it is not this repository). */
const pullRequest = (head: string) => ({
  number: 7,
  pull_request: {
    number: 7,
    head: { ref: 'feature', repo: { full_name: head, fork: head !== GITHUB_RUN.repository } },
    base: { ref: 'main', repo: { full_name: GITHUB_RUN.repository, fork: false } },
  },
});

/** Failed before any request: no STS call, no ID-token request, nothing exported, one error line. */
function expectFailedBeforeAnyRequest(step: ActionStep): string {
  expect(step.exitCode).toBe(1);
  expect(step.exported).toEqual({});
  expect(step.outputs).toEqual({});
  expect(world().sts.requests).toEqual([]);
  expect(world().oidc.requests).toEqual([]);
  const errors = step.log.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  const role = world().account.deployRole;
  expect(errors[0]).toMatch(
    new RegExp(
      `^::error::No credentials to assume ${role} with: aws-access-key-id and web-identity-token-file are not set, the job has no AWS credentials in its environment, and there is no GitHub OIDC token \\(ACTIONS_ID_TOKEN_REQUEST_URL is not set\\) because `,
    ),
  );
  return (errors[0] ?? '').replace(/^.* because /, '');
}

describe('no GitHub OIDC token: the one cause that holds', () => {
  it('a pull request from a fork: names the fork and how to deploy anyway', async () => {
    const job = world().newJob({
      event: { name: 'pull_request', payload: pullRequest('mallory/octo-repo') },
    });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    const cause = expectFailedBeforeAnyRequest(step);
    expect(cause).toMatch(
      /^this run is for a pull request from the fork mallory\/octo-repo into octo-org\/octo-repo, and GitHub gives workflows of pull requests from forks no id-token permission and no secrets/,
    );
    expect(cause).not.toMatch(/Dependabot|pull_request_target|workflow_run run/);
  });

  it('a Dependabot run: names Dependabot, not the pull request', async () => {
    const job = world().newJob({
      actor: 'dependabot[bot]',
      event: { name: 'pull_request', payload: pullRequest(GITHUB_RUN.repository) },
    });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    const cause = expectFailedBeforeAnyRequest(step);
    expect(cause).toMatch(/^this run was started by Dependabot \(actor dependabot\[bot\]\)/);
    expect(cause).toContain("`if: github.actor != 'dependabot[bot]'`");
  });

  it('a pull_request_target run: the base branch`s workflow file decides', async () => {
    const job = world().newJob({
      event: { name: 'pull_request_target', payload: pullRequest('mallory/octo-repo') },
    });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    expect(expectFailedBeforeAnyRequest(step)).toMatch(
      /^this is a pull_request_target run, which uses the workflow file of main, not the one in the pull request/,
    );
  });

  it('a push without the permission: asks for id-token: write', async () => {
    const job = world().newJob();
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    expect(expectFailedBeforeAnyRequest(step)).toBe(
      'the job lacks `permissions: id-token: write`. Once a workflow or job sets `permissions:`, every permission it does not name is none, ' +
        'so add `id-token: write` (with `contents: read` to check out code) to the job that runs this step.',
    );
  });
});

describe('no GitHub OIDC token, but keys an earlier step left', () => {
  const earlierKeys = () => ({
    AWS_ACCESS_KEY_ID: world().account.accessKeyId,
    AWS_SECRET_ACCESS_KEY: world().account.secretAccessKey,
  });

  it('assumes the role with them, as the reference does, and warns why there was no token', async () => {
    const job = world().newJob({
      env: earlierKeys(),
      event: { name: 'pull_request', payload: pullRequest('mallory/octo-repo') },
    });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    expect(step.exitCode).toBe(0);
    expect(world().sts.requests.map((r) => [r.action, r.signingKeyId, r.status])).toEqual([
      ['AssumeRole', world().account.accessKeyId, 200],
    ]);
    const warnings = step.log.split('\n').filter((line) => line.startsWith('::warning::'));
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          '^::warning::No GitHub OIDC token, because this run is for a pull request from the fork mallory/octo-repo .* ' +
            `Assuming ${world().account.deployRole} with the credentials an earlier step left \\(AWS_ACCESS_KEY_ID\\) instead; set role-chaining: true if that is what you mean\\.$`,
        ),
      ),
    ]);
  });

  it('role-chaining: true says it is meant: no warning', async () => {
    const job = world().newJob({ env: earlierKeys() });
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      'role-chaining': true,
    });
    expect(step.exitCode).toBe(0);
    expect(step.log).not.toContain('::warning::');
  });
});
