import { readFileSync, statSync } from 'node:fs';

// Why the job has no GitHub OIDC token (the runner sets ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN only when the job
// may have one). The event tells which of the usual causes holds: one sentence for that cause, not a list of
// every cause. The event file is written by the runner but its content comes from whoever opened the pull
// request, so only names that look like GitHub names are quoted.

/** Event payloads are small; a huge file is not worth reading for a hint. */
const MAX_EVENT_BYTES = 25 * 1024 * 1024;

const REPOSITORY_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const REF_NAME = /^[\w./-]{1,255}$/;

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_review', 'pull_request_review_comment']);

/** One sentence: why this run has no GitHub OIDC token, and what to change. */
export function missingTokenCause(env: NodeJS.ProcessEnv): string {
  const event = env.GITHUB_EVENT_NAME ?? '';
  const actors = [env.GITHUB_ACTOR, env.GITHUB_TRIGGERING_ACTOR];
  if (actors.includes('dependabot[bot]')) {
    return (
      'this run was started by Dependabot (actor dependabot[bot]), and GitHub gives Dependabot runs no id-token permission and no Actions secrets, as it does pull requests from forks. ' +
      "Skip the AWS step for Dependabot (`if: github.actor != 'dependabot[bot]'`), or deploy from a run Dependabot does not start, such as the push to the default branch after its pull request is merged."
    );
  }
  const payload = PULL_REQUEST_EVENTS.has(event) ? readEvent(env.GITHUB_EVENT_PATH) : undefined;
  const fork = payload === undefined ? undefined : forkOf(payload);
  if (fork !== undefined) {
    return (
      `this run is for a pull request from the fork ${fork.head} into ${fork.base}, and GitHub gives workflows of pull requests from forks no id-token permission and no secrets, whatever the workflow asks for. ` +
      'Run the AWS step only for pull requests from branches of the repository itself (`if: github.event.pull_request.head.repo.full_name == github.repository`), ' +
      "or in a separate workflow started by `workflow_run` once this one ends (it runs with the base repository's permissions; never run the fork's code with AWS credentials)."
    );
  }
  if (event === 'pull_request_target') {
    const base =
      env.GITHUB_BASE_REF && REF_NAME.test(env.GITHUB_BASE_REF) ? env.GITHUB_BASE_REF : 'the base branch';
    return (
      `this is a pull_request_target run, which uses the workflow file of ${base}, not the one in the pull request: ` +
      `add \`permissions: id-token: write\` to this job on ${base} (a change the pull request makes takes effect only once it is merged).`
    );
  }
  if (event === 'workflow_run') {
    return (
      'this is a workflow_run run, which always uses the workflow file of the default branch: add `permissions: id-token: write` to this job there ' +
      '(a change on another branch has no effect until it reaches the default branch).'
    );
  }
  return (
    'the job lacks `permissions: id-token: write`. Once a workflow or job sets `permissions:`, every permission it does not name is none, ' +
    'so add `id-token: write` (with `contents: read` to check out code) to the job that runs this step.'
  );
}

/** The event payload, or undefined when it can't be read as a JSON object. */
function readEvent(file: string | undefined): Record<string, unknown> | undefined {
  if (!file) return undefined;
  try {
    if (statSync(file).size > MAX_EVENT_BYTES) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The pull request's head and base repositories when the head is another repository (a fork). */
function forkOf(payload: Record<string, unknown>): { head: string; base: string } | undefined {
  const pull = field(payload, 'pull_request');
  const head = field(field(pull, 'head'), 'repo');
  const base = field(field(pull, 'base'), 'repo');
  const headName = field(head, 'full_name');
  const baseName = field(base, 'full_name');
  // A repository that is itself a fork has head.repo.fork true for its own branches too: compare the names.
  const fromFork =
    typeof headName === 'string' && typeof baseName === 'string'
      ? headName.toLowerCase() !== baseName.toLowerCase()
      : field(head, 'fork') === true;
  if (!fromFork) return undefined;
  return {
    head: typeof headName === 'string' && REPOSITORY_NAME.test(headName) ? headName : '(name not readable)',
    base: typeof baseName === 'string' && REPOSITORY_NAME.test(baseName) ? baseName : 'this repository',
  };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}
