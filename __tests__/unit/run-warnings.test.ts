import { describe, expect, it } from '@jest/globals';
import { runWarnings } from '../../src/report/run-warnings.js';

describe('runWarnings', () => {
  it.each(['v1', 'v1.2.3', '1.0', 'v2-beta.1', 'a'.repeat(40).replace(/a/g, 'f'), ''])(
    'says nothing for ref %j',
    (ref) => {
      expect(runWarnings({ GITHUB_ACTION_REF: ref }, 'github-oidc')).toEqual([]);
    },
  );

  it.each(['main', 'master', 'feature/x', 'abc123'])(
    'warns when pinned to %j, which looks like a branch',
    (ref) => {
      const [warning] = runWarnings({ GITHUB_ACTION_REF: ref }, 'github-oidc');
      expect(warning).toMatch(
        new RegExp(`pinned to "${ref.replace('/', '\\/')}", which looks like a branch`),
      );
    },
  );

  it('warns about access keys on pull_request_target, and only there', () => {
    expect(runWarnings({ GITHUB_EVENT_NAME: 'pull_request_target' }, 'static-keys')[0]).toMatch(
      /pull_request_target/,
    );
    expect(runWarnings({ GITHUB_EVENT_NAME: 'pull_request_target' }, 'github-oidc')).toEqual([]);
    expect(runWarnings({ GITHUB_EVENT_NAME: 'push' }, 'static-keys')).toEqual([]);
  });
});
