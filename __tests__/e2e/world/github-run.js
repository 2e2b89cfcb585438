// The one emulated workflow run: the runner's GITHUB_* variables and the OIDC token's claims both come from
// here, so the token says the same repository, ref and commit as the job's environment.

/** The repository, workflow and commit the emulated job runs for. */
export const GITHUB_RUN = Object.freeze({
  owner: 'octo-org',
  /** The owner's numeric id (the token's repository_owner_id claim). */
  ownerId: '5138171',
  repository: 'octo-org/octo-repo',
  /** The repository's numeric id (the token's repository_id claim). */
  repositoryId: '690123456',
  workflow: 'deploy',
  workflowFile: '.github/workflows/deploy.yml',
  job: 'deploy',
  actor: 'octocat',
  /** The actor's numeric id (the token's actor_id claim). */
  actorId: '583231',
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

/**
 * The immutable `sub` GitHub gives a job on a branch of a repository created or renamed since 2026-07-15 (or one
 * that opted in): owner and repository each followed by `@` and their numeric id.
 */
export const IMMUTABLE_SUBJECT = `repo:${GITHUB_RUN.owner}@${GITHUB_RUN.ownerId}/${GITHUB_RUN.repository.split('/')[1]}@${GITHUB_RUN.repositoryId}:ref:${GITHUB_RUN.ref}`;

/**
 * An enterprise with its own OIDC issuer (`https://token.actions.githubusercontent.com/<enterprise-slug>`): its
 * tokens carry the `enterprise` and `enterprise_id` claims, and the IAM OIDC provider (so the trust policies'
 * condition key prefix) is `token.actions.githubusercontent.com/<enterprise-slug>`.
 */
export const ENTERPRISE = Object.freeze({
  slug: 'octo-enterprise',
  id: '4242',
  issuer: `${GITHUB_ISSUER}/octo-enterprise`,
});
