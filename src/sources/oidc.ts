import { ActionError, messageOf } from '../errors.js';
import { retrying, type OnRetry } from '../sts/retry.js';

/** One request for a GitHub OIDC token with the given audience. */
export type GetIDToken = (audience: string, signal: AbortSignal) => Promise<string>;

/**
 * The job's GitHub OIDC token for `audience`. 5xx and network failures are retried; a refusal (401/403) is
 * explained at once, because another attempt would be refused too.
 */
export async function githubOidcToken(
  audience: string,
  getIDToken: GetIDToken,
  { maxAttempts, onRetry, signal }: { maxAttempts: number; onRetry: OnRetry; signal: AbortSignal },
): Promise<string> {
  try {
    return await retrying(() => getIDToken(audience, signal), { maxAttempts, onRetry, signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 401 || status === 403) {
      throw new ActionError(
        `GitHub refused the OIDC token request (HTTP ${status}): the runner's ACTIONS_ID_TOKEN_REQUEST_TOKEN is not valid for this request. ` +
          'It is issued per job: use it only within the job that got it, and give the job `permissions: id-token: write`.',
        { cause: error },
      );
    }
    throw new ActionError(
      `Could not get a GitHub OIDC token for audience "${audience}": ${messageOf(error)}. ` +
        'Check that the job has `permissions: id-token: write` and that the runner can reach ACTIONS_ID_TOKEN_REQUEST_URL.',
      { cause: error },
    );
  }
}
