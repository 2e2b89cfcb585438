import { ActionError, messageOf } from '../errors.js';

/** Fetches an ID token from GitHub for the given audience (`core.getIDToken`, which masks it). */
export type GetIDToken = (audience: string) => Promise<string>;

/** The job's GitHub OIDC token for `audience`, with a message that says what to check when it fails. */
export async function githubOidcToken(audience: string, getIDToken: GetIDToken): Promise<string> {
  try {
    const token = await getIDToken(audience);
    if (!token) throw new Error('the token endpoint answered without a token');
    return token;
  } catch (error) {
    throw new ActionError(
      `Could not get a GitHub OIDC token for audience "${audience}": ${messageOf(error)}. ` +
        'Check that the job has `permissions: id-token: write` and that the runner can reach ACTIONS_ID_TOKEN_REQUEST_URL.',
      { cause: error },
    );
  }
}
