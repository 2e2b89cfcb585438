// Why a job has no GitHub OIDC token: one cause, read from the event, and what to change for it.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { missingTokenCause } from '../../src/sources/missing-token.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'missing-token-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A job's environment for this event, its payload written where GITHUB_EVENT_PATH says. */
function jobEnv(event: string, payload: unknown, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const file = path.join(dir, 'event.json');
  writeFileSync(file, typeof payload === 'string' ? payload : JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: event, GITHUB_EVENT_PATH: file, GITHUB_ACTOR: 'octocat', ...env };
}

const pullRequest = (head: string, base = 'octo-org/octo-repo', fork = head !== base) => ({
  pull_request: {
    head: { repo: { full_name: head, fork } },
    base: { repo: { full_name: base, fork: false } },
  },
});

describe('missingTokenCause', () => {
  it('names the fork of a pull request from a fork, and the ways to deploy anyway', () => {
    const cause = missingTokenCause(jobEnv('pull_request', pullRequest('mallory/octo-repo')));
    expect(cause).toMatch(
      /^this run is for a pull request from the fork mallory\/octo-repo into octo-org\/octo-repo, /,
    );
    expect(cause).toContain('no id-token permission and no secrets');
    expect(cause).toContain('`if: github.event.pull_request.head.repo.full_name == github.repository`');
    expect(cause).toContain('`workflow_run`');
  });

  it.each(['pull_request_review', 'pull_request_review_comment'])('knows forks in %s events', (event) => {
    expect(missingTokenCause(jobEnv(event, pullRequest('mallory/octo-repo')))).toContain(
      'from the fork mallory/octo-repo',
    );
  });

  it('a branch of a repository that is itself a fork is not a fork pull request', () => {
    const payload = pullRequest('octo-org/octo-repo', 'octo-org/octo-repo', true);
    expect(missingTokenCause(jobEnv('pull_request', payload))).toMatch(
      /^the job lacks `permissions: id-token: write`/,
    );
  });

  it('never quotes a fork name that is not a GitHub name (the payload comes from whoever opened it)', () => {
    const cause = missingTokenCause(jobEnv('pull_request', pullRequest('evil\n::add-mask::x/y')));
    expect(cause).toContain('from the fork (name not readable) into octo-org/octo-repo');
    expect(cause).not.toContain('::add-mask::');
  });

  it('names Dependabot, as actor or triggering actor, before anything else', () => {
    const fork = pullRequest('mallory/octo-repo');
    for (const env of [{ GITHUB_ACTOR: 'dependabot[bot]' }, { GITHUB_TRIGGERING_ACTOR: 'dependabot[bot]' }]) {
      const cause = missingTokenCause(jobEnv('pull_request', fork, env));
      expect(cause).toMatch(/^this run was started by Dependabot \(actor dependabot\[bot\]\)/);
      expect(cause).toContain("`if: github.actor != 'dependabot[bot]'`");
    }
  });

  it('pull_request_target: the base branch`s workflow file decides', () => {
    const cause = missingTokenCause(
      jobEnv('pull_request_target', pullRequest('mallory/octo-repo'), { GITHUB_BASE_REF: 'main' }),
    );
    expect(cause).toBe(
      'this is a pull_request_target run, which uses the workflow file of main, not the one in the pull request: ' +
        'add `permissions: id-token: write` to this job on main (a change the pull request makes takes effect only once it is merged).',
    );
  });

  it('workflow_run: the default branch`s workflow file decides', () => {
    expect(missingTokenCause(jobEnv('workflow_run', {}))).toMatch(
      /^this is a workflow_run run, which always uses the workflow file of the default branch/,
    );
  });

  it.each([
    ['a push', 'push', {}],
    ['a pull request from a branch', 'pull_request', pullRequest('octo-org/octo-repo')],
    ['an unreadable event file', 'pull_request', '{not json'],
    ['an event that is not an object', 'pull_request', '"text"'],
  ])('%s: the missing permission', (_what, event, payload) => {
    expect(missingTokenCause(jobEnv(event, payload))).toBe(
      'the job lacks `permissions: id-token: write`. Once a workflow or job sets `permissions:`, every permission it does not name is none, ' +
        'so add `id-token: write` (with `contents: read` to check out code) to the job that runs this step.',
    );
  });

  it('without an event file at all: the missing permission', () => {
    expect(
      missingTokenCause({
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path.join(dir, 'none.json'),
      }),
    ).toMatch(/^the job lacks/);
    expect(missingTokenCause({})).toMatch(/^the job lacks/);
  });
});
