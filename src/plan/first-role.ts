import type { AssumeRoleCommandInput, STSClient, Tag } from '@aws-sdk/client-sts';
import { ActionError, codeOf } from '../errors.js';
import type { FailureContext } from '../report/explain.js';
import { stsFailure } from '../report/sts-failure.js';
import type { Config } from '../inputs/config.js';
import { roleArnFor } from '../partition.js';
import { retrying, type OnRetry } from '../sts/retry.js';
import { assumeRoleTags, OPTIONAL_TAG_KEYS, type RunContext } from '../sts/session-tags.js';
import type { SourceChoice, SourceKind } from '../sources/choose.js';
import type { SourceCredentials } from '../sources/load.js';
import {
  assumeRole,
  assumeRoleWithWebIdentity,
  getCallerIdentity,
  type AwsCredentials,
  type Identity,
  type Session,
} from '../sts/client.js';

/** The credentials to hand to later steps, and who they are. */
export interface Obtained {
  /** undefined: no role and no keys, the job's own credentials stay as they are. */
  readonly credentials: AwsCredentials | undefined;
  readonly identity: Identity;
  /** The role assumed, once expanded to a full ARN. */
  readonly roleArn: string | undefined;
  /** Where the source credentials came from. */
  readonly source: SourceKind;
  /** The session tags the successful AssumeRole carried; undefined when no AssumeRole was made. */
  readonly sessionTags: readonly Tag[] | undefined;
}

/** What obtaining needs from outside. */
export interface ObtainDeps {
  readonly client: STSClient;
  /** The run's facts for session tags, read when first needed. */
  readonly run: () => RunContext;
  readonly signal: AbortSignal;
  readonly endpoint: string;
  readonly info: (line: string) => void;
  readonly warning: (line: string) => void;
  /** Registers a secret with the runner (the account id, with mask-aws-account-id). */
  readonly mask: (secret: string) => void;
  /** Says what the step is doing now (for the timeout message). */
  readonly stage: (what: string) => void;
  /** Attempts for one AssumeRoleWithWebIdentity, each with a new token (its client makes one attempt). */
  readonly maxAttempts: number;
  readonly onRetry: OnRetry;
}

/** Secret keys the special-characters workaround avoids (some tools mishandle them unquoted). */
const SPECIAL_CHARACTERS = /[!@#$%^&*()_+\-=[\]{};':"\\|,.<>/?]/;

/** Exchanges the source credentials for the final ones: assumes the role, or checks the keys themselves. */
export async function obtainCredentials(
  config: Config,
  choice: SourceChoice,
  source: SourceCredentials,
  deps: ObtainDeps,
): Promise<Obtained> {
  let lastToken: string | undefined;
  let lastAssumeInput: AssumeRoleCommandInput | undefined;
  const failure = (call: FailureContext['call'], roleArn: string | undefined): FailureContext => ({
    call,
    source: choice.kind,
    roleArn,
    region: config.region,
    endpoint: deps.endpoint,
    sessionTagging: !config.skipSessionTagging,
    get actor() {
      return deps.run().actor;
    },
    get token() {
      return lastToken;
    },
    get assumeInput() {
      return lastAssumeInput;
    },
  });

  // Who the source credentials are: needed without a role, or to complete a bare role name.
  let sourceIdentity: Identity | undefined;
  const needsSourceIdentity =
    source.kind === 'signer' &&
    (config.roleToAssume === undefined || !config.roleToAssume.startsWith('arn:'));
  if (needsSourceIdentity) {
    deps.stage('checking the source credentials');
    sourceIdentity = await withContext(
      getCallerIdentity(deps.client, deps.signal),
      deps.signal,
      'check the source credentials',
      failure('GetCallerIdentity', undefined),
    );
    if (config.maskAccountId) deps.mask(sourceIdentity.accountId);
    checkAllowedAccount(config, sourceIdentity.accountId);
  }

  if (config.roleToAssume === undefined) {
    // Keys given as inputs are handed on as they are; the job's own credentials stay where they are.
    const credentials =
      choice.kind === 'static-keys' && source.kind === 'signer' && source.signer !== 'default-chain'
        ? source.signer
        : undefined;
    const identity = sourceIdentity as Identity;
    return { credentials, identity, roleArn: undefined, sessionTags: undefined, source: choice.kind };
  }

  const roleArn = config.roleToAssume.startsWith('arn:')
    ? config.roleToAssume
    : roleArnFor(config.partition, (sourceIdentity as Identity).accountId, config.roleToAssume);
  if (roleArn !== config.roleToAssume)
    deps.info(`Role name ${config.roleToAssume} is ${roleArn} in the source account`);

  let tagsSent: readonly Tag[] | undefined;
  let attempts = 0;
  // A web identity token lives minutes and retries can outlast it: every attempt gets a new one.
  const assumeWithNewToken = async (): Promise<Session> => {
    if (source.kind !== 'web-identity') throw new Error('not a web identity source');
    attempts += 1;
    // After the first attempt, the time goes to assuming the role (STS's refusals, backoff): say so.
    deps.stage(
      attempts === 1 ? source.stage : `assuming the role ${roleArn} (attempt ${attempts}: ${source.stage})`,
    );
    lastToken = await source.fetchToken();
    deps.stage(`assuming the role ${roleArn}`);
    const input = {
      RoleArn: roleArn,
      RoleSessionName: config.roleSessionName,
      WebIdentityToken: lastToken,
      DurationSeconds: config.roleDurationSeconds,
      ...policies(config),
    };
    return assumeRoleWithWebIdentity(deps.client, input, deps.signal);
  };
  const what = `assume ${roleArn} with ${choice.kind === 'github-oidc' ? 'GitHub OIDC' : 'the web identity token file'}`;
  const retryOptions = { maxAttempts: deps.maxAttempts, onRetry: deps.onRetry, signal: deps.signal };
  const attempt =
    source.kind === 'web-identity'
      ? () =>
          withContext(
            retrying(assumeWithNewToken, retryOptions),
            deps.signal,
            what,
            failure('AssumeRoleWithWebIdentity', roleArn),
          )
      : () => {
          deps.stage(`assuming the role ${roleArn}`);
          return assumeWithTags(
            config,
            roleArn,
            deps,
            failure('AssumeRole', roleArn),
            choice,
            (request) => (lastAssumeInput = request),
            (tags) => (tagsSent = tags),
          );
        };

  const session = await avoidSpecialCharacters(config, attempt, deps);
  if (config.maskAccountId) deps.mask(session.identity.accountId);
  checkAllowedAccount(config, session.identity.accountId);
  return {
    credentials: session.credentials,
    identity: session.identity,
    roleArn,
    sessionTags: tagsSent,
    source: choice.kind,
  };
}

/** AssumeRole with session tags; when STS finds them too large, once more without the optional tags. */
async function assumeWithTags(
  config: Config,
  roleArn: string,
  deps: ObtainDeps,
  ctx: FailureContext,
  choice: SourceChoice,
  sending: (request: AssumeRoleCommandInput) => void,
  sent: (tags: readonly Tag[]) => void,
): Promise<Session> {
  const what = `assume ${roleArn} with ${choice.kind === 'static-keys' ? 'the access keys' : 'the credentials the job already has'}`;
  const input = (withOptional: boolean): AssumeRoleCommandInput => {
    const base: AssumeRoleCommandInput = {
      RoleArn: roleArn,
      RoleSessionName: config.roleSessionName,
      DurationSeconds: config.roleDurationSeconds,
      ...(config.roleExternalId !== undefined && { ExternalId: config.roleExternalId }),
      ...(config.roleSourceIdentity !== undefined && { SourceIdentity: config.roleSourceIdentity }),
      ...policies(config),
    };
    return { ...base, ...assumeRoleTags(config, deps.run, { withOptional }) };
  };
  const send = async (withOptional: boolean): Promise<Session> => {
    const request = input(withOptional);
    sending(request);
    const session = await assumeRole(deps.client, request, deps.signal);
    sent(request.Tags ?? []);
    return session;
  };
  try {
    return await send(true);
  } catch (error) {
    if (config.skipSessionTagging || !/^PackedPolicyTooLarge/.test(codeOf(error) ?? '')) {
      throw stsFailure(error, deps.signal, what, ctx);
    }
    deps.warning(
      `STS found the session tags too large (PackedPolicyTooLarge); retrying once without ${OPTIONAL_TAG_KEYS.join(', ')}`,
    );
    return withContext(send(false), deps.signal, what, ctx);
  }
}

/** special-characters-workaround: assume again until the secret key has no special characters, bounded. */
async function avoidSpecialCharacters(
  config: Config,
  attempt: () => Promise<Session>,
  deps: ObtainDeps,
): Promise<Session> {
  const limit = config.specialCharactersWorkaround ? config.retryMaxAttempts : 1;
  for (let tries = 1; ; tries++) {
    const session = await attempt();
    if (!config.specialCharactersWorkaround || !SPECIAL_CHARACTERS.test(session.credentials.secretAccessKey))
      return session;
    if (tries >= limit) {
      throw new ActionError(
        `special-characters-workaround: every one of ${limit} sessions (retry-max-attempts) had special characters in its secret key. Raise retry-max-attempts, or quote the credentials in the tool that needs the workaround and turn it off.`,
      );
    }
    deps.info(
      `special-characters-workaround: the secret key has special characters, assuming again (${tries}/${limit})`,
    );
  }
}

export function policies(config: Config): Pick<AssumeRoleCommandInput, 'Policy' | 'PolicyArns'> {
  return {
    ...(config.inlineSessionPolicy !== undefined && { Policy: config.inlineSessionPolicy }),
    ...(config.managedSessionPolicies.length > 0 && {
      PolicyArns: config.managedSessionPolicies.map((arn) => ({ arn })),
    }),
  };
}

/** allowed-account-ids: refuses credentials of any other account (before anything is exported). */
export function checkAllowedAccount(config: Config, accountId: string): void {
  if (config.allowedAccountIds.length > 0 && !config.allowedAccountIds.includes(accountId)) {
    throw new ActionError(
      `The credentials belong to account ${accountId}, which is not in allowed-account-ids (${config.allowedAccountIds.join(', ')}): nothing was exported. Fix the role or key, or add the account to allowed-account-ids.`,
    );
  }
}

async function withContext<T>(
  work: Promise<T>,
  signal: AbortSignal,
  what: string,
  ctx: FailureContext,
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw stsFailure(error, signal, what, ctx);
  }
}
