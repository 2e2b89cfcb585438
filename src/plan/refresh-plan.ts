import type { Config } from '../inputs/config.js';
import type { HopSpec } from '../inputs/plan.js';
import { refreshParams, type RefreshEntry, type RefreshHop } from '../export/refresh-config.js';
import { assumeRoleTags, type RunContext } from '../sts/session-tags.js';
import { INTERMEDIATE_DURATION_SECONDS } from '../inputs/plan.js';
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
  const tags = assumeRoleTags(config, run);
  const policies = { policy: config.inlineSessionPolicy, policyArns: config.managedSessionPolicies };
  /**
   * The path through `roles`: the first assumed with the token, each next one with the session before it. The
   * last gets role-duration-seconds, the ones between 900 s; the session policies go where the main step put them
   * (role-to-assume's last session, which also signed the profiles' roles there).
   */
  const path = (roles: readonly HopSpec[], policiesAt: number | undefined) => {
    const [first, ...rest] = roles as [HopSpec, ...HopSpec[]];
    const duration = (i: number) =>
      i === roles.length - 1 ? config.roleDurationSeconds : INTERMEDIATE_DURATION_SECONDS;
    const params = refreshParams(config, source, first.roleArn);
    return {
      ...params,
      sessionName: first.sessionName,
      durationSeconds: duration(0),
      policy: policiesAt === 0 ? policies.policy : undefined,
      policyArns: policiesAt === 0 ? policies.policyArns : [],
      hops: rest.map((spec, i): RefreshHop => ({
        roleArn: spec.roleArn,
        sessionName: spec.sessionName,
        durationSeconds: duration(i + 1),
        externalId: spec.externalId,
        // Set once on a path: on its first AssumeRole (the first role was assumed with the token).
        sourceIdentity: i === 0 ? config.roleSourceIdentity : undefined,
        tags: tags.Tags,
        transitiveTagKeys: tags.TransitiveTagKeys,
        ...(policiesAt === i + 1 && policies),
      })),
    };
  };
  const primaryRoles: HopSpec[] =
    config.roleToAssume === undefined
      ? []
      : [
          {
            roleArn: config.roleToAssume,
            externalId: undefined,
            sessionName: config.roleSessionName,
            line: 1,
          },
          ...config.nextHops,
        ];
  const primaryLast = primaryRoles.length > 0 ? primaryRoles.length - 1 : undefined;
  return [
    ...(primaryRoles.length === 0
      ? []
      : [{ profile: config.awsProfile, params: path(primaryRoles, primaryLast) }]),
    ...config.profiles.map((profile) => ({
      profile: profile.name,
      params: path([...primaryRoles, profile], primaryLast),
    })),
  ];
}

function sourceOf(config: Config): 'github-oidc' | 'token-file' {
  return config.webIdentityTokenFile !== undefined ? 'token-file' : 'github-oidc';
}
