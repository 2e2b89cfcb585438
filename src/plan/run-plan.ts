import { checkAllowedAccount, type Obtained } from './first-role.js';
import { firstRole, prepareSource, type StepContext } from './source.js';
import type { Config } from '../inputs/config.js';
import type { SourceKind } from '../sources/choose.js';
import { assumeChain } from './chain.js';
import { INTERMEDIATE_DURATION_SECONDS } from '../inputs/plan.js';
import { assumeProfiles, type ProfileFrom, type ProfileSession } from './fan-out.js';
import type { HopDeps } from './hop.js';

// The main step loads the flow through this module alone (one dynamic import): use-existing-credentials too.
export { existingCredentials } from './source.js';

// The whole plan: the source, the chain of role-to-assume, then the profiles — every session obtained and checked
// before anything is handed to later steps.

/** Every session the step obtained, for the export. */
export interface PlanResult {
  /** role-to-assume's last session, or the source's own identity; undefined with only `profiles` and a token. */
  readonly primary: Obtained | undefined;
  readonly profiles: readonly ProfileSession[];
}

const SIGNER_NAMES: Partial<Record<SourceKind, string>> = {
  'static-keys': 'the access keys aws-access-key-id/aws-secret-access-key',
  existing: 'the credentials the job already has',
};

const TOKEN_NAMES: Partial<Record<SourceKind, string>> = {
  'github-oidc': 'the GitHub OIDC token',
  'token-file': 'the web-identity-token-file token',
};

/** Obtains role-to-assume's chain and every profile, in that order; throws on the first refusal. */
export async function obtainPlan(step: StepContext): Promise<PlanResult> {
  const { config, deadline, runner } = step;
  const prepared = prepareSource(step);
  const { choice, source, deps } = prepared;
  const hopDeps: HopDeps = {
    config,
    env: step.env,
    signal: deadline.signal,
    run: deps.run,
    mask: step.mask,
    onRetry: deps.onRetry,
    endpoint: deps.endpoint,
  };

  let primary: Obtained | undefined;
  if (config.roleToAssume !== undefined || source.kind === 'signer') {
    const first = await firstRole(step, prepared, firstHopConfig(config));
    // It signs the next hop or the profiles before anything is exported (where sessions are masked otherwise):
    // masked the moment it exists, so an error that quotes a signed request can't show it.
    step.mask(first.credentials?.accessKeyId);
    step.mask(first.credentials?.secretAccessKey);
    step.mask(first.credentials?.sessionToken);
    if (config.nextHops.length > 0) {
      primary = await deadline.race(
        assumeChain(first, config.nextHops, { ...hopDeps, info: deps.info, stage: deps.stage }),
      );
      checkAllowedAccount(config, primary.identity.accountId);
    } else primary = first;
  }
  if (config.profiles.length === 0) return { primary, profiles: [] };

  let from: ProfileFrom;
  if (config.roleToAssume !== undefined && primary?.credentials !== undefined) {
    const assumedRole =
      choice.kind === 'static-keys' || choice.kind === 'existing' || config.nextHops.length > 0;
    from = {
      kind: 'session',
      credentials: primary.credentials,
      roleArn: primary.roleArn ?? primary.identity.arn,
      sourceIdentitySet: assumedRole,
    };
  } else if (source.kind === 'signer') {
    from = { kind: 'signer', signer: source.signer, label: SIGNER_NAMES[choice.kind] ?? choice.kind };
  } else {
    deps.stage(source.stage);
    // One token for all of them: it is valid for minutes, the calls take well under a second.
    from = {
      kind: 'web-identity',
      token: await deadline.race(source.fetchToken()),
      label: TOKEN_NAMES[choice.kind] ?? choice.kind,
    };
  }
  deps.stage("assuming the profiles' roles");
  const profiles = await deadline.race(
    assumeProfiles(config.profiles, from, {
      ...hopDeps,
      source: choice.kind,
      maxAttempts: deps.maxAttempts,
      info: (line) => runner.info(line),
    }),
  );
  for (const profile of profiles) checkAllowedAccount(config, profile.identity.accountId);
  return { primary, profiles };
}

/**
 * With a chain, the first role's session only signs the second hop: the shortest duration, no session policy,
 * and allowed-account-ids is checked on the sessions later steps get, not on the hub's.
 */
function firstHopConfig(config: Config): Config {
  if (config.nextHops.length === 0) return config;
  return {
    ...config,
    roleDurationSeconds: INTERMEDIATE_DURATION_SECONDS,
    inlineSessionPolicy: undefined,
    managedSessionPolicies: [],
    allowedAccountIds: [],
  };
}
