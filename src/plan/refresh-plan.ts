import type { Config } from '../inputs/config.js';
import type { HopSpec } from '../inputs/plan.js';
import { refreshParams, type RefreshEntry, type RefreshHop } from '../export/refresh-config.js';
import type { RunContext } from '../sts/session-tags.js';
import { INTERMEDIATE_DURATION_SECONDS } from './chain.js';
import { hopTags } from './hop.js';
import type { PlanResult } from './run-plan.js';

// refresh-credentials for a whole plan: every profile's credential_process walks its own path again — a new web
// identity token, role-to-assume's first role, each hop of the chain, and the profile's role — with the same
// durations, tags and policies as the main step used.

/** The refresh config's profiles: role-to-assume's (aws-profile, or [default]) and one per `profiles` line. */
export function refreshEntries(
  config: Config,
  plan: PlanResult,
  run: () => RunContext,
): RefreshEntry[] | undefined {
  // Without role-to-assume there is no primary session: the profiles come straight from the token.
  const source = plan.primary?.source ?? sourceOf(config);
  if (!config.refreshCredentials || (source !== 'github-oidc' && source !== 'token-file')) return undefined;
  const tags = hopTags(config, run);
  const hop = (spec: HopSpec, last: boolean, sourceIdentity: boolean): RefreshHop => ({
    roleArn: spec.roleArn,
    sessionName: spec.sessionName,
    durationSeconds: last ? config.roleDurationSeconds : INTERMEDIATE_DURATION_SECONDS,
    externalId: spec.externalId,
    sourceIdentity: sourceIdentity ? config.roleSourceIdentity : undefined,
    tags: tags.Tags,
    transitiveTagKeys: tags.TransitiveTagKeys,
    ...(last && { policy: config.inlineSessionPolicy, policyArns: config.managedSessionPolicies }),
  });
  /** The path from the token to `roles`' last one: the first is assumed with the token, the rest are hops. */
  const path = (first: HopSpec | undefined, rest: readonly HopSpec[], lastPolicies: boolean) => {
    const firstRole = first ?? rest[0]!;
    const hops = first === undefined ? rest.slice(1) : rest;
    const single = hops.length === 0;
    const params = refreshParams(config, source, firstRole.roleArn);
    return {
      ...params,
      sessionName: firstRole.sessionName,
      durationSeconds: single ? config.roleDurationSeconds : INTERMEDIATE_DURATION_SECONDS,
      policy: single && lastPolicies ? params.policy : undefined,
      policyArns: single && lastPolicies ? params.policyArns : [],
      hops: hops.map((spec, i) => {
        const built = hop(spec, i === hops.length - 1, i === 0);
        return lastPolicies ? built : { ...built, policy: undefined, policyArns: undefined };
      }),
    };
  };
  const primaryRole: HopSpec | undefined =
    config.roleToAssume === undefined
      ? undefined
      : { roleArn: config.roleToAssume, externalId: undefined, sessionName: config.roleSessionName, line: 1 };
  return [
    ...(primaryRole === undefined
      ? []
      : [{ profile: config.awsProfile, params: path(primaryRole, config.nextHops, true) }]),
    ...config.profiles.map((profile) => ({
      profile: profile.name,
      params: path(primaryRole, [...config.nextHops, profile], false),
    })),
  ];
}

function sourceOf(config: Config): 'github-oidc' | 'token-file' {
  return config.webIdentityTokenFile !== undefined ? 'token-file' : 'github-oidc';
}
