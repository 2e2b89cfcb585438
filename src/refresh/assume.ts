import { partitionOf } from '../partition.js';
import type { RefreshParams } from '../export/refresh-config.js';
import { messageOf } from '../errors.js';
import { retrying, retryKind } from '../sts/retry.js';
import { requestGitHubIdToken } from '../sources/github-id-token.js';
import { readWebIdentityTokenFile } from '../sources/token-file.js';
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  createStsClient,
  type AwsCredentials,
} from '../sts/client.js';
import { identifyExecutionEnv } from '../sts/user-agent.js';

// The refresh process's network path, imported only on a cache miss (src/refresh/process.ts) so that a hit
// never loads the AWS SDK: a new web identity token, AssumeRoleWithWebIdentity, then each hop's AssumeRole.
//
// It fails fast. A later command runs the process again anyway, and the tool waiting on it (the CLI, an SDK)
// has its own retries and timeouts: the main step's backoff (up to retry-max-attempts attempts, seconds apart)
// would hold every command for half a minute or more while the token endpoint or STS is down. So here each
// request has at most two attempts, each cut off after a few seconds.

/** At most this many attempts per request (fewer when the action was told retry-max-attempts: 1). */
export const MAX_ATTEMPTS = 2;
/** Each attempt's limit: the token endpoint answers in milliseconds and STS well within a second when healthy. */
export const ATTEMPT_TIMEOUT_MS = 3_000;
/** The whole path's limit, however many hops. */
const TOTAL_TIMEOUT_MS = 20_000;

/** What the path hands out, and where it records each secret on the way (for the caller's redaction). */
export interface Seen {
  readonly tokens: string[];
  readonly sessions: { secretAccessKey: string; sessionToken?: string | undefined }[];
}

/** Assumes the profile's path anew: the last hop's credentials. */
export async function assumePath(
  params: RefreshParams,
  env: NodeJS.ProcessEnv,
  seen: Seen,
  { attemptTimeoutMs = ATTEMPT_TIMEOUT_MS }: { attemptTimeoutMs?: number } = {},
): Promise<AwsCredentials> {
  identifyExecutionEnv(env);
  const signal = AbortSignal.timeout(TOTAL_TIMEOUT_MS);
  const maxAttempts = Math.max(1, Math.min(params.maxAttempts, MAX_ATTEMPTS));
  const settings = {
    region: params.region,
    partition: partitionOf(params.region),
    stsEndpoint: params.stsEndpoint,
    httpProxy: params.httpProxy,
    noProxy: params.noProxy,
    disableRetry: false,
    retryMaxAttempts: maxAttempts,
  };
  /**
   * One request: up to maxAttempts attempts, each with its own time limit. A failure that a later attempt could
   * have got past (the endpoint away, slow or overloaded) says which request it was and how often it was tried;
   * a refusal (AccessDenied, a bad token) speaks for itself.
   */
  const request = async <T>(what: string, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    let attempts = 1;
    try {
      return await retrying(() => timed(attempt, signal, attemptTimeoutMs), {
        maxAttempts,
        onRetry: () => void attempts++,
        signal,
      });
    } catch (error) {
      if (retryKind(error) === 'final' && !signal.aborted) throw error;
      const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
      throw new Error(`${what}: ${messageOf(error)} (${tries}; the next AWS command will try again)`, {
        cause: error,
      });
    }
  };

  const jwt = await request(
    params.source === 'token-file' ? 'the web identity token file' : "GitHub's ID-token endpoint",
    (s) => token(params, env, s),
  );
  seen.tokens.push(jwt);
  // The SDK itself makes one attempt: the retries (and the per-attempt limit) are request()'s.
  const client = createStsClient(settings, 'default-chain', env, { maxAttempts: 1 });
  let { credentials } = await request('STS AssumeRoleWithWebIdentity', (s) =>
    assumeRoleWithWebIdentity(
      client,
      {
        RoleArn: params.roleArn,
        RoleSessionName: params.sessionName,
        DurationSeconds: params.durationSeconds,
        WebIdentityToken: jwt,
        ...(params.policy !== undefined && { Policy: params.policy }),
        ...(params.policyArns.length > 0 && { PolicyArns: params.policyArns.map((arn) => ({ arn })) }),
      },
      s,
    ),
  );
  seen.sessions.push(credentials);
  // A chain, or a profile's role: each next role with the session before it.
  for (const hop of params.hops ?? []) {
    const signed = createStsClient(settings, credentials, env, { maxAttempts: 1 });
    ({ credentials } = await request('STS AssumeRole', (s) =>
      assumeRole(
        signed,
        {
          RoleArn: hop.roleArn,
          RoleSessionName: hop.sessionName,
          DurationSeconds: hop.durationSeconds,
          ...(hop.externalId !== undefined && { ExternalId: hop.externalId }),
          ...(hop.sourceIdentity !== undefined && { SourceIdentity: hop.sourceIdentity }),
          ...(hop.tags !== undefined && {
            Tags: hop.tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })),
          }),
          ...(hop.transitiveTagKeys !== undefined && { TransitiveTagKeys: [...hop.transitiveTagKeys] }),
          ...(hop.policy !== undefined && { Policy: hop.policy }),
          ...(hop.policyArns !== undefined &&
            hop.policyArns.length > 0 && { PolicyArns: hop.policyArns.map((arn) => ({ arn })) }),
        },
        s,
      ),
    ));
    seen.sessions.push(credentials);
  }
  return credentials;
}

/**
 * One attempt, aborted after `ms` (or with the whole path's signal). A cut-off attempt fails as ETIMEDOUT, which
 * retrying() may try once more.
 */
async function timed<T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  total: AbortSignal,
  ms: number,
): Promise<T> {
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), ms);
  try {
    return await attempt(AbortSignal.any([total, timer.signal]));
  } catch (error) {
    if (timer.signal.aborted && !total.aborted) {
      throw Object.assign(new Error(`it did not answer within ${ms / 1000} s`), { code: 'ETIMEDOUT' });
    }
    throw error;
  } finally {
    clearTimeout(timeout);
  }
}

function token(params: RefreshParams, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string> {
  return params.source === 'token-file'
    ? readWebIdentityTokenFile(params.tokenFile as string, env.GITHUB_WORKSPACE)
    : requestGitHubIdToken(params.audience, env, signal);
}
