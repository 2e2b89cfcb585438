import { messageOf, redact } from '../errors.js';
import { decodeParams } from '../export/refresh-config.js';
import { cacheFileFor, keyOf, readCache, writeCache, type CachedCredentials } from './cache.js';
import type { Seen } from './assume.js';

/**
 * The credential_process that refresh-credentials configures. It prints the credentials it printed last
 * (src/refresh/cache.ts) while they are good for a while yet, with no request at all; otherwise it gets a new
 * web identity token (from GitHub, whose ID-token variables every later step of an `id-token: write` job has,
 * or from the token file), assumes the role again (src/refresh/assume.ts, loaded only then: a cache hit
 * doesn't load the AWS SDK), saves them and prints them in the credential_process format. Only that JSON goes
 * to stdout, which the SDK or CLI reads; nothing is logged.
 */
export async function refresh(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  options: { attemptTimeoutMs?: number } = {},
): Promise<number> {
  // The secrets on the way: nothing masks them in the job log if an error quotes one.
  const seen: Seen = { tokens: [], sessions: [] };
  try {
    const params = decodeParams(argv[0]);
    const arg = argv[0] as string;
    const file = cacheFileFor(arg, env);
    const key = keyOf(arg);
    const cached = file === undefined ? undefined : readCache(file, key);
    if (cached !== undefined) {
      print(cached);
      return 0;
    }
    const { assumePath } = await import('./assume.js');
    const credentials = await assumePath(params, env, seen, options);
    if (
      file !== undefined &&
      credentials.sessionToken !== undefined &&
      credentials.expiration !== undefined
    ) {
      writeCache(file, key, {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
        expiration: credentials.expiration,
      });
    }
    print(credentials);
    return 0;
  } catch (error) {
    // The CLI or SDK quotes this in its own error, in the job log where nothing masks the token: keep it out,
    // and keep to one line.
    const known = [
      ...seen.tokens,
      ...seen.sessions.flatMap((s) => [s.secretAccessKey, ...(s.sessionToken ? [s.sessionToken] : [])]),
      ...(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ? [env.ACTIONS_ID_TOKEN_REQUEST_TOKEN] : []),
    ];
    const message = redact(messageOf(error), known).replace(/\s*[\r\n]+\s*/g, ' ');
    process.stderr.write(`assume-aws-role refresh-credentials: could not get new credentials: ${message}\n`);
    return 1;
  }
}

/** The credential_process JSON, on one line. */
function print(
  credentials: Pick<CachedCredentials, 'accessKeyId' | 'secretAccessKey'> & {
    sessionToken: string | undefined;
    expiration: Date | undefined;
  },
): void {
  process.stdout.write(
    `${JSON.stringify({
      Version: 1,
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: credentials.expiration?.toISOString(),
    })}\n`,
  );
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
