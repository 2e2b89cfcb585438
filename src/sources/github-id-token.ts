// GitHub's ID-token endpoint, asked the way @actions/core's getIDToken asks it (GET the request URL with
// `&audience=`, bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN, read `value`), but with Node's built-in fetch: one
// attempt per call, failures carrying their HTTP status or network code so the caller can decide what to
// retry, and none of @actions/http-client's start-up cost.

/** A failed ID-token request: `$metadata.httpStatusCode` for HTTP errors, `code` for network errors. */
export class IdTokenRequestError extends Error {
  readonly $metadata: { httpStatusCode?: number };
  constructor(
    message: string,
    readonly code: string,
    httpStatusCode?: number,
  ) {
    super(message);
    this.name = 'IdTokenRequestError';
    this.$metadata = httpStatusCode === undefined ? {} : { httpStatusCode };
  }
}

/** Per-attempt limit: the endpoint answers in milliseconds when it is healthy. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** One request for the job's OIDC token with audience `audience`. */
export async function requestGitHubIdToken(
  audience: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) {
    throw new IdTokenRequestError(
      'ACTIONS_ID_TOKEN_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set',
      'NoIdTokenVariables',
    );
  }
  let response: Response;
  try {
    response = await fetch(`${url}&audience=${encodeURIComponent(audience)}`, {
      headers: {
        Authorization: `Bearer ${bearer}`,
        Accept: 'application/json',
        'User-Agent': 'actions/oidc-client',
      },
      signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
    });
  } catch (error) {
    // fetch reports network failures as TypeError('fetch failed') with the system error as its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (error as Error).name;
    throw new IdTokenRequestError(
      `the request failed (${code}${cause?.message ? `: ${cause.message}` : ''})`,
      code,
    );
  }
  const body = await response.text();
  if (!response.ok) {
    throw new IdTokenRequestError(
      `HTTP ${response.status}: ${body.slice(0, 200)}`,
      `HTTP${response.status}`,
      response.status,
    );
  }
  let value: unknown;
  try {
    value = (JSON.parse(body) as { value?: unknown }).value;
  } catch {
    throw new IdTokenRequestError(
      'the endpoint answered with something that is not JSON',
      'InvalidResponse',
      response.status,
    );
  }
  if (typeof value !== 'string' || value === '') {
    throw new IdTokenRequestError(
      'the endpoint answered without a token (no "value")',
      'InvalidResponse',
      response.status,
    );
  }
  return value;
}
