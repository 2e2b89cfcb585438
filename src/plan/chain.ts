import type { Obtained } from './first-role.js';
import { policies } from './first-role.js';
import { INTERMEDIATE_DURATION_SECONDS, type HopSpec } from '../inputs/plan.js';
import { assumeHop, type HopDeps } from './hop.js';

// The chain of role-to-assume: the first role comes from the source (obtainCredentials); each next line is
// assumed with the session of the one before. The sessions in between only sign the next request, so they get
// STS's shortest duration and no session policy; the last one is the session later steps get.

/** Assumes `hops` one after the other, starting from the first role's session; returns the last one's. */
export async function assumeChain(
  first: Obtained,
  hops: readonly HopSpec[],
  deps: HopDeps & { readonly info: (line: string) => void; readonly stage: (what: string) => void },
): Promise<Obtained> {
  const total = hops.length + 1;
  // A session from AssumeRole keeps the SourceIdentity it was given; one from a web identity token has none yet.
  let sourceIdentitySet = first.source === 'static-keys' || first.source === 'existing';
  let current = first;
  for (const [index, hop] of hops.entries()) {
    const number = index + 2;
    const last = number === total;
    const previous = current.roleArn ?? current.identity.arn;
    const credentials = current.credentials;
    if (credentials === undefined)
      throw new Error(`hop ${number - 1} gave no credentials to sign hop ${number}`);
    const durationSeconds = last ? deps.config.roleDurationSeconds : INTERMEDIATE_DURATION_SECONDS;
    deps.stage(`assuming ${hop.roleArn} (hop ${number} of ${total})`);
    deps.info(
      `Assuming ${hop.roleArn} (hop ${number} of ${total}) as session ${hop.sessionName} for ${durationSeconds} s with the session of ${previous}`,
    );
    const { session, tags } = await assumeHop(
      credentials,
      {
        roleArn: hop.roleArn,
        sessionName: hop.sessionName,
        externalId: hop.externalId,
        durationSeconds,
        sourceIdentity: sourceIdentitySet ? undefined : deps.config.roleSourceIdentity,
        policies: last ? policies(deps.config) : {},
      },
      {
        where: `hop ${number} of ${total}, with the session of ${previous}`,
        caller: `the session of ${previous} (hop ${number - 1})`,
        source: first.source,
      },
      deps,
    );
    sourceIdentitySet = true;
    current = {
      credentials: session.credentials,
      identity: session.identity,
      roleArn: hop.roleArn,
      source: first.source,
      sessionTags: tags,
    };
  }
  return current;
}
