import { messageOf, redact } from '../errors.js';
import { partitionOf } from '../partition.js';
import { decodeParams, type RefreshParams } from '../export/refresh-config.js';
import { retrying } from '../sts/retry.js';
import { requestGitHubIdToken } from '../sources/github-id-token.js';
import { readWebIdentityTokenFile } from '../sources/token-file.js';
import { assumeRole, assumeRoleWithWebIdentity, createStsClient } from '../sts/client.js';
import { identifyExecutionEnv } from '../sts/user-agent.js';

/**
 * The credential_process that refresh-credentials configures: gets a new web identity token (from GitHub,
 * whose ID-token variables every later step of an `id-token: write` job has, or from the token file),
 * assumes the role again and prints the credentials in the credential_process format. Only that JSON goes
 * to stdout, which the SDK or CLI reads; nothing is logged.
 */
export async function refresh(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const tokens: string[] = [];
  // The sessions on the way sign the next hop; nothing masks them in the job log if an error quotes one.
  const sessions: { secretAccessKey: string; sessionToken?: string | undefined }[] = [];
  try {
    const params = decodeParams(argv[0]);
    identifyExecutionEnv(env);
    const signal = AbortSignal.timeout(60_000);
    const client = createStsClient(settings(params), 'default-chain', env, { maxAttempts: 1 });
    const session = await retrying(
      async () =>
        assumeRoleWithWebIdentity(
          client,
          {
            RoleArn: params.roleArn,
            RoleSessionName: params.sessionName,
            DurationSeconds: params.durationSeconds,
            WebIdentityToken: await token(params, env, signal).then((jwt) => (tokens.push(jwt), jwt)),
            ...(params.policy !== undefined && { Policy: params.policy }),
            ...(params.policyArns.length > 0 && { PolicyArns: params.policyArns.map((arn) => ({ arn })) }),
          },
          signal,
        ),
      { maxAttempts: params.maxAttempts, onRetry: () => undefined, signal },
    );
    let { credentials } = session;
    sessions.push(credentials);
    // A chain, or a profile's role: each next role with the session before it.
    for (const hop of params.hops ?? []) {
      const signed = createStsClient(settings(params), credentials, env, { maxAttempts: params.maxAttempts });
      ({ credentials } = await assumeRole(
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
        signal,
      ));
      sessions.push(credentials);
    }
    process.stdout.write(
      `${JSON.stringify({
        Version: 1,
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        SessionToken: credentials.sessionToken,
        Expiration: credentials.expiration?.toISOString(),
      })}\n`,
    );
    return 0;
  } catch (error) {
    // The CLI or SDK quotes this in its own error, in the job log where nothing masks the token: keep it out,
    // and keep to one line.
    const known = [
      ...tokens,
      ...sessions.flatMap((s) => [s.secretAccessKey, ...(s.sessionToken ? [s.sessionToken] : [])]),
      ...(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ? [env.ACTIONS_ID_TOKEN_REQUEST_TOKEN] : []),
    ];
    const message = redact(messageOf(error), known).replace(/\s*[\r\n]+\s*/g, ' ');
    process.stderr.write(`assume-aws-role refresh-credentials: could not get new credentials: ${message}\n`);
    return 1;
  }
}

/**
 * `--from-environment`: the credential_process of ENVIRONMENT_PROFILE. It prints the keys in its own environment
 * (the calling tool's, which has what the action exported), for tools that read AWS_PROFILE before environment
 * keys (the AWS SDK for JavaScript).
 */
export function environmentCredentials(env: NodeJS.ProcessEnv): number {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
    process.stderr.write(
      "assume-aws-role: this profile hands out AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment, but this step has none: set AWS_PROFILE to the profile you want, or keep the exported keys in the step's env\n",
    );
    return 1;
  }
  const expiration = AWS_CREDENTIAL_EXPIRATION && !Number.isNaN(Date.parse(AWS_CREDENTIAL_EXPIRATION));
  process.stdout.write(
    `${JSON.stringify({
      Version: 1,
      AccessKeyId: AWS_ACCESS_KEY_ID,
      SecretAccessKey: AWS_SECRET_ACCESS_KEY,
      ...(AWS_SESSION_TOKEN && { SessionToken: AWS_SESSION_TOKEN }),
      ...(expiration && { Expiration: AWS_CREDENTIAL_EXPIRATION }),
    })}\n`,
  );
  return 0;
}

function token(params: RefreshParams, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string> {
  return params.source === 'token-file'
    ? readWebIdentityTokenFile(params.tokenFile as string, env.GITHUB_WORKSPACE)
    : requestGitHubIdToken(params.audience, env, signal);
}

function settings(params: RefreshParams) {
  return {
    region: params.region,
    partition: partitionOf(params.region),
    stsEndpoint: params.stsEndpoint,
    httpProxy: params.httpProxy,
    noProxy: params.noProxy,
    disableRetry: false,
    retryMaxAttempts: params.maxAttempts,
  };
}
