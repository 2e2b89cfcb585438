import type { AssumeRoleCommandInput, Tag } from '@aws-sdk/client-sts';
import { stsFailure } from '../report/sts-failure.js';
import type { Mask } from '../export/exporting.js';
import type { FailureContext } from '../report/explain.js';
import type { Config } from '../inputs/config.js';
import type { OnRetry } from '../sts/retry.js';
import { assumeRoleTags, type RunContext } from '../sts/session-tags.js';
import { assumeRole, createStsClient, type Session, type Signer } from '../sts/client.js';

// One AssumeRole beyond the first role: a hop of the chain or a profile, signed by the session before it (or by the
// source). Session tags go on it, as on any AssumeRole of the action; the secrets of the session it returns are
// masked the moment they exist.

/** What one AssumeRole asks for. */
export interface HopRequest {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly externalId: string | undefined;
  readonly durationSeconds: number;
  /** SourceIdentity, set once on a path: a session that has one keeps it, and STS refuses to change it. */
  readonly sourceIdentity: string | undefined;
  /** inline-session-policy and managed-session-policies: only on the session later steps get. */
  readonly policies: Pick<AssumeRoleCommandInput, 'Policy' | 'PolicyArns'>;
}

/** What a hop needs from the step. */
export interface HopDeps {
  readonly config: Config;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly run: () => RunContext;
  readonly mask: Mask;
  readonly onRetry: OnRetry;
  readonly endpoint: string;
}

/** Where the hop stands, for its messages: "hop 2 of 3, with the session of <arn>", "for profile beta". */
export interface HopPlace {
  /** Said after the role: `Could not assume <role> (<where>)`. */
  readonly where: string;
  /** Who signs, for the hints: "the session of <arn>" or the source's own name. */
  readonly caller: string | undefined;
  readonly source: FailureContext['source'];
}

/** Assumes the role, signed by `signer`; a failure says which role and where it stands, then why. */
export async function assumeHop(
  signer: Signer,
  hop: HopRequest,
  place: HopPlace,
  deps: HopDeps,
): Promise<{ session: Session; tags: readonly Tag[] | undefined }> {
  const input: AssumeRoleCommandInput = {
    RoleArn: hop.roleArn,
    RoleSessionName: hop.sessionName,
    DurationSeconds: hop.durationSeconds,
    ...(hop.externalId !== undefined && { ExternalId: hop.externalId }),
    ...(hop.sourceIdentity !== undefined && { SourceIdentity: hop.sourceIdentity }),
    ...assumeRoleTags(deps.config, deps.run),
    ...hop.policies,
  };
  const client = createStsClient(deps.config, signer, deps.env, { onRetry: deps.onRetry });
  try {
    const session = await assumeRole(client, input, deps.signal);
    deps.mask(session.credentials.secretAccessKey);
    deps.mask(session.credentials.sessionToken);
    deps.mask(session.credentials.accessKeyId);
    if (deps.config.maskAccountId) deps.mask(session.identity.accountId);
    return { session, tags: input.Tags };
  } catch (error) {
    throw stsFailure(error, deps.signal, `assume ${hop.roleArn} (${place.where})`, {
      call: 'AssumeRole',
      source: place.source,
      roleArn: hop.roleArn,
      region: deps.config.region,
      endpoint: deps.endpoint,
      sessionTagging: !deps.config.skipSessionTagging,
      token: undefined,
      actor: '',
      assumeInput: input,
      caller: place.caller,
    });
  }
}
