// GitHub's ID-token endpoint, asked the way @actions/core's getIDToken asks it (GET the request URL with
// `&audience=`, bearer ACTIONS_ID_TOKEN_REQUEST_TOKEN, read `value`), but one attempt per call, failures
// carrying their HTTP status or network code so the caller can decide what to retry, and without
// @actions/http-client's start-up cost.

import { redact } from '../errors.js';

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
  const { status, body } = await get(`${url}&audience=${encodeURIComponent(audience)}`, bearer, signal);
  if (status < 200 || status > 299) {
    // A server may echo the request: the bearer goes before the body is cut, or a cut one would stay readable.
    const said = redact(body, [bearer]).slice(0, 200);
    throw new IdTokenRequestError(`HTTP ${status}: ${said}`, `HTTP${status}`, status);
  }
  let value: unknown;
  try {
    value = (JSON.parse(body) as { value?: unknown }).value;
  } catch {
    throw new IdTokenRequestError(
      'the endpoint answered with something that is not JSON',
      'InvalidResponse',
      status,
    );
  }
  if (typeof value !== 'string' || value === '') {
    throw new IdTokenRequestError(
      'the endpoint answered without a token (no "value")',
      'InvalidResponse',
      status,
    );
  }
  return value;
}

/**
 * A GET with node:http(s): Node's global fetch would first load its own copy of undici, which costs the
 * step about 20 ms and 5 MiB for one small request.
 */
async function get(
  url: string,
  bearer: string,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  const { request } = url.startsWith('https:') ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        headers: {
          Authorization: `Bearer ${bearer}`,
          Accept: 'application/json',
          'User-Agent': 'actions/oidc-client',
        },
        signal,
        timeout: ATTEMPT_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (error) => reject(networkError(error)));
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('the request timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (error) => reject(networkError(error)));
    req.end();
  });
}

function networkError(error: NodeJS.ErrnoException): IdTokenRequestError {
  const code = error.code ?? error.name;
  return new IdTokenRequestError(`the request failed (${code}: ${error.message})`, code);
}
