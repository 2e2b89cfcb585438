import type { Tag } from '@aws-sdk/client-sts';
import { stsFailure } from '../report/sts-failure.js';
import { ActionError, messageOf } from '../errors.js';
import type { ProfileSpec } from '../inputs/plan.js';
import { retrying } from '../sts/retry.js';
import type { SourceKind } from '../sources/choose.js';
import {
  assumeRoleWithWebIdentity,
  createStsClient,
  type AwsCredentials,
  type Identity,
  type Signer,
} from '../sts/client.js';
import { assumeHop, type HopDeps } from './hop.js';

// `profiles`: every profile's role, assumed from one starting point — the session of role-to-assume (hub and
// spokes), the source's keys, or the job's web identity token, which serves several AssumeRoleWithWebIdentity
// calls while it is valid. A few at a time; every one must succeed before anything is written.

/** At most this many profile requests at once: quick for a handful, gentle on STS's rate limits for 20. */
const CONCURRENCY = 4;

/** Where the profiles' roles are assumed from. */
export type ProfileFrom =
  | {
      readonly kind: 'session';
      readonly credentials: AwsCredentials;
      readonly roleArn: string;
      /** The session got a SourceIdentity already (an AssumeRole on its path). */
      readonly sourceIdentitySet: boolean;
    }
  | { readonly kind: 'signer'; readonly signer: Signer; readonly label: string }
  | { readonly kind: 'web-identity'; readonly token: string; readonly label: string };

/** A profile's session. */
export interface ProfileSession {
  readonly name: string;
  readonly roleArn: string;
  readonly credentials: AwsCredentials;
  readonly identity: Identity;
  readonly sessionTags: readonly Tag[] | undefined;
}

/** What the fan-out needs besides a hop's needs. */
export interface FanOutDeps extends HopDeps {
  readonly source: SourceKind;
  readonly maxAttempts: number;
  readonly info: (line: string) => void;
}

/** Assumes every profile's role; all or nothing: the first failure (in the input's order) fails them all. */
export async function assumeProfiles(
  profiles: readonly ProfileSpec[],
  from: ProfileFrom,
  deps: FanOutDeps,
): Promise<ProfileSession[]> {
  const fromText = from.kind === 'session' ? `the session of ${from.roleArn}` : from.label;
  deps.info(
    `Assuming ${profiles.length} profile role${profiles.length === 1 ? '' : 's'} with ${fromText}, ${Math.min(CONCURRENCY, profiles.length)} at a time: ${profiles.map((p) => p.name).join(', ')}`,
  );
  const results = await pool(profiles, CONCURRENCY, (profile) => assumeOne(profile, from, fromText, deps));
  const failed = results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ i, reason: result.reason as unknown }] : [],
  );
  if (failed.length > 0) {
    const [first, ...others] = failed;
    const error = first!.reason;
    const also =
      others.length > 0
        ? ` (profile${others.length === 1 ? '' : 's'} ${others.map(({ i }) => profiles[i]!.name).join(', ')} failed too)`
        : '';
    if (error instanceof ActionError)
      throw new ActionError(`${error.message}${also}`, { cause: error, details: error.details });
    throw new ActionError(`${messageOf(error)}${also}`, { cause: error });
  }
  return results.map((result) => (result as PromiseFulfilledResult<ProfileSession>).value);
}

async function assumeOne(
  profile: ProfileSpec,
  from: ProfileFrom,
  fromText: string,
  deps: FanOutDeps,
): Promise<ProfileSession> {
  const where = `for profile ${profile.name}, with ${fromText}`;
  if (from.kind === 'web-identity') {
    // Unsigned; retried like the first role's web identity call (a refusal is final and not retried).
    const client = createStsClient(deps.config, 'default-chain', deps.env, { maxAttempts: 1 });
    try {
      const session = await retrying(
        () =>
          assumeRoleWithWebIdentity(
            client,
            {
              RoleArn: profile.roleArn,
              RoleSessionName: profile.sessionName,
              WebIdentityToken: from.token,
              DurationSeconds: deps.config.roleDurationSeconds,
            },
            deps.signal,
          ),
        { maxAttempts: deps.maxAttempts, onRetry: deps.onRetry, signal: deps.signal },
      );
      deps.mask(session.credentials.secretAccessKey);
      deps.mask(session.credentials.sessionToken);
      deps.mask(session.credentials.accessKeyId);
      if (deps.config.maskAccountId) deps.mask(session.identity.accountId);
      return { name: profile.name, roleArn: profile.roleArn, ...session, sessionTags: undefined };
    } catch (error) {
      throw stsFailure(error, deps.signal, `assume ${profile.roleArn} (${where})`, {
        call: 'AssumeRoleWithWebIdentity',
        source: deps.source,
        roleArn: profile.roleArn,
        region: deps.config.region,
        endpoint: deps.endpoint,
        sessionTagging: false,
        token: from.token,
        actor: deps.run().actor,
      });
    }
  }
  const chained = from.kind === 'session';
  const { session, tags } = await assumeHop(
    chained ? from.credentials : from.signer,
    {
      roleArn: profile.roleArn,
      sessionName: profile.sessionName,
      externalId: profile.externalId,
      durationSeconds: deps.config.roleDurationSeconds,
      sourceIdentity: chained && from.sourceIdentitySet ? undefined : deps.config.roleSourceIdentity,
      policies: {},
    },
    { where, caller: chained ? fromText : undefined, source: deps.source },
    deps,
  );
  return { name: profile.name, roleArn: profile.roleArn, ...session, sessionTags: tags };
}

/** Runs `work` on every item, at most `limit` at once; settles them all, in the items' order. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await work(items[i]!) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
