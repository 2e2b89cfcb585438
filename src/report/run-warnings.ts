import type { SourceKind } from '../sources/choose.js';

/** A full commit SHA, or a tag that looks like a release (v1, v1.2.3, 1.0): refs that don't move under you. */
const STABLE_REF = /^([0-9a-f]{40}|v?\d+(\.\d+){0,2}([-.+][\w.-]+)?)$/i;

/** Warnings about how the workflow uses the action, from the run's environment. */
export function runWarnings(env: NodeJS.ProcessEnv, source: SourceKind): string[] {
  const ref = env.GITHUB_ACTION_REF ?? '';
  return [
    ...(ref !== '' && !STABLE_REF.test(ref)
      ? [
          `This action is pinned to "${ref}", which looks like a branch: whoever can push to it changes the code that handles your AWS credentials. Pin a release tag or, better, a full commit SHA.`,
        ]
      : []),
    ...(source === 'static-keys' && env.GITHUB_EVENT_NAME === 'pull_request_target'
      ? [
          "Access keys are used in a pull_request_target workflow, which runs with the base repository's secrets while handling a pull request: make sure no code from the pull request runs in this job, or switch to GitHub OIDC with a trust policy limited to your branches.",
        ]
      : []),
  ];
}
