// The one emulated workflow run: the runner's GITHUB_* variables and the OIDC token's claims both come from
// here, so the token says the same repository, ref and commit as the job's environment.

/** The repository, workflow and commit the emulated job runs for. */
export const GITHUB_RUN = Object.freeze({
  owner: 'octo-org',
  repository: 'octo-org/octo-repo',
  workflow: 'deploy',
  workflowFile: '.github/workflows/deploy.yml',
  job: 'deploy',
  actor: 'octocat',
  ref: 'refs/heads/main',
  refName: 'main',
  sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  eventName: 'push',
  runId: '4242',
  runNumber: '7',
  runAttempt: '1',
  serverUrl: 'https://github.com',
  /** The pinned ref of the action, `uses: octo-org/assume-aws-role-action@v1`. */
  actionRepository: 'octo-org/assume-aws-role-action',
  actionRef: 'v1',
});

/** GitHub's OIDC issuer; the seeded IAM OIDC provider and the roles' trust policies name it. */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/** The `sub` claim GitHub gives a job on a branch. */
export const GITHUB_SUBJECT = `repo:${GITHUB_RUN.repository}:ref:${GITHUB_RUN.ref}`;
