import { ActionError, InputError } from '../errors.js';
import type { Config } from '../inputs/config.js';
import { existingCredentialHints, isGitHubHosted } from './existing.js';
import { missingTokenCause } from './missing-token.js';

/** The four ways to get source credentials. */
export type SourceKind = 'github-oidc' | 'token-file' | 'static-keys' | 'existing';

/** The chosen source and why, for the log. */
export interface SourceChoice {
  readonly kind: SourceKind;
  readonly reason: string;
  /** Said as a warning: the job has no GitHub OIDC token on a GitHub-hosted runner, so other credentials are used. */
  readonly warning?: string;
}

/** Picks the one credential source the inputs and environment call for, and says why. */
export function chooseSource(config: Config, env: NodeJS.ProcessEnv): SourceChoice {
  const choice = pick(config, env);
  if (config.refreshCredentials && choice.kind !== 'github-oidc' && choice.kind !== 'token-file') {
    throw new InputError(
      'refresh-credentials',
      `refresh-credentials works only with GitHub OIDC or web-identity-token-file, which can get new tokens in later steps, but the credential source is ${choice.kind} (${choice.reason})`,
    );
  }
  const webIdentity = choice.kind === 'github-oidc' || choice.kind === 'token-file';
  if (webIdentity && config.roleToAssume !== undefined && !config.roleToAssume.startsWith('arn:')) {
    throw new InputError(
      'role-to-assume',
      `role-to-assume "${config.roleToAssume}" is a bare role name, but ${choice.kind === 'github-oidc' ? 'GitHub OIDC' : 'a web identity token'} has no source account to complete it with: use the full ARN, like arn:${config.partition.name}:iam::123456789012:role/${config.roleToAssume}`,
    );
  }
  return choice;
}

function pick(config: Config, env: NodeJS.ProcessEnv): SourceChoice {
  if (config.webIdentityTokenFile !== undefined) {
    const ignored = config.roleChaining ? '; role-chaining is ignored because a token file was given' : '';
    return {
      kind: 'token-file',
      reason: `web-identity-token-file is set (${config.webIdentityTokenFile})${ignored}`,
    };
  }
  if (config.staticKeys !== undefined) {
    const ignored = config.roleChaining ? '; role-chaining is ignored because keys were given' : '';
    return {
      kind: 'static-keys',
      reason: `aws-access-key-id is set${config.roleToAssume === undefined ? ` and no role-to-assume: using the keys themselves${config.profiles.length > 0 ? ' (and for the profiles)' : ''}` : ''}${ignored}`,
    };
  }
  if (config.roleChaining) {
    return {
      kind: 'existing',
      reason: 'role-chaining is true: assuming the role with the credentials the job already has',
    };
  }
  // `profiles` without role-to-assume wants roles too: from GitHub OIDC when the job may have a token.
  if (config.roleToAssume === undefined && config.profiles.length === 0) {
    return {
      kind: 'existing',
      reason: 'no role-to-assume and no keys: checking the credentials the job already has',
    };
  }
  const oidcAvailable = Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  if (oidcAvailable && !config.forceSkipOidc) {
    return {
      kind: 'github-oidc',
      reason: `${config.roleToAssume !== undefined ? 'role-to-assume' : 'profiles'} is set, no keys or token file were given, and the job may request a GitHub OIDC token`,
    };
  }
  const hints = existingCredentialHints(env);
  const hosted = isGitHubHosted(env);
  if (hints.length === 0 && hosted) throw new ActionError(noSourceMessage(config, oidcAvailable, env));
  if (config.forceSkipOidc && oidcAvailable) {
    return {
      kind: 'existing',
      reason: 'force-skip-oidc is true: assuming the role with the credentials the job already has',
    };
  }
  const found = hints.length > 0 ? hints.join(', ') : 'instance or container credentials';
  return {
    kind: 'existing',
    reason: `no GitHub OIDC token is available (ACTIONS_ID_TOKEN_REQUEST_URL is not set): assuming the role with the credentials the job already has (${found})`,
    // A GitHub-hosted runner has no credentials of its own: these came from an earlier step, which is rarely
    // what a job that names a role for GitHub OIDC meant. Say why there is no token and how to mean it.
    ...(hosted && {
      warning:
        `No GitHub OIDC token, because ${missingTokenCause(env)} ` +
        `Assuming ${config.roleToAssume ?? 'the role'} with the credentials an earlier step left (${found}) instead; set role-chaining: true if that is what you mean.`,
    }),
  };
}

function noSourceMessage(config: Config, oidcAvailable: boolean, env: NodeJS.ProcessEnv): string {
  const start = `No credentials to assume ${config.roleToAssume ?? 'the role'} with: aws-access-key-id and web-identity-token-file are not set, the job has no AWS credentials in its environment, and`;
  return oidcAvailable
    ? `${start} force-skip-oidc is true, so the job's GitHub OIDC token is not used: remove force-skip-oidc, or pass aws-access-key-id and aws-secret-access-key.`
    : `${start} there is no GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set) because ${missingTokenCause(env)}`;
}
