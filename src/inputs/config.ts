import * as path from 'node:path';
import { InputError } from '../errors.js';
import {
  parseBoolean,
  parseInteger,
  parseList,
  parsePattern,
  parseUrl,
  shown,
  singleLine,
} from './parsers.js';
import { arnAccount, partitionOf, REGION_CODE, type Partition } from '../partition.js';
import { readProfiles, readRoleToAssume, type HopSpec, type ProfileSpec } from './plan.js';
import { EXTERNAL_ID, EXTERNAL_ID_RULE } from './plan-lines.js';
import { readSessionName, readSourceIdentity } from './session-name.js';
import { environmentProxy } from '../sts/proxy.js';
import { readCustomTags, readInlinePolicy, readManagedPolicies, readTransitiveTagKeys } from './session.js';

/** Everything the action was asked to do, parsed and checked once, before any network call. */
export interface Config {
  readonly region: string;
  readonly partition: Partition;
  /** role-to-assume's first role: a role ARN, or (alone) a bare role name to expand with the source account. */
  readonly roleToAssume: string | undefined;
  /** The first role's session name: its line's session-name=, else the base session name. */
  readonly roleSessionName: string;
  /** role-to-assume's roles after the first, each assumed with the session of the one before. */
  readonly nextHops: readonly HopSpec[];
  /** Named profiles for later steps, each its own role. */
  readonly profiles: readonly ProfileSpec[];
  /** Where the profiles go: the usual shared files, or job-local ones under RUNNER_TEMP. */
  readonly profileLocation: 'home' | 'job';
  /** SourceIdentity for AssumeRole. */
  readonly roleSourceIdentity: string | undefined;
  /** A log line for the main step when the session name came from role-session-name-template. */
  readonly sessionNameNote: string | undefined;
  readonly roleDurationSeconds: number;
  readonly staticKeys: StaticKeys | undefined;
  /** Absolute path. */
  readonly webIdentityTokenFile: string | undefined;
  readonly roleChaining: boolean;
  readonly audience: string;
  /** The first role's external id: its line's external-id=, else role-external-id. */
  readonly roleExternalId: string | undefined;
  readonly skipSessionTagging: boolean;
  readonly transitiveTagKeys: readonly string[];
  readonly customTags: Readonly<Record<string, string>>;
  /** Minified JSON. */
  readonly inlineSessionPolicy: string | undefined;
  readonly managedSessionPolicies: readonly string[];
  readonly maskAccountId: boolean;
  readonly outputCredentials: boolean;
  readonly outputEnvCredentials: boolean;
  readonly unsetCurrentCredentials: boolean;
  readonly awsProfile: string | undefined;
  readonly overwriteAwsProfile: boolean;
  readonly allowedAccountIds: readonly string[];
  readonly stsEndpoint: string | undefined;
  readonly httpProxy: string | undefined;
  readonly noProxy: readonly string[];
  readonly retryMaxAttempts: number;
  readonly disableRetry: boolean;
  readonly specialCharactersWorkaround: boolean;
  readonly useExistingCredentials: boolean;
  readonly forceSkipOidc: boolean;
  readonly actionTimeoutSeconds: number | undefined;
  /** Later steps get a credential_process profile that assumes the role again, instead of fixed keys. */
  readonly refreshCredentials: boolean;
  /** Append a report to the job summary. */
  readonly summary: boolean;
  /** Inputs that were empty and took their value from an environment variable: input → variable. */
  readonly inputVariables: Readonly<Record<string, string>>;
}

/** Access keys given as inputs. */
export interface StaticKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
}

/** Inputs whose values are secrets: masked before anything else happens. */
export const SECRET_INPUTS = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'] as const;

/** The longest value a secret input may have (STS's own limits are lower for keys; tokens grow with tags). */
const MAX_SECRET_LENGTH: Readonly<Record<(typeof SECRET_INPUTS)[number], number>> = {
  'aws-access-key-id': 128,
  'aws-secret-access-key': 128,
  'aws-session-token': 16384,
};

/** Reads one input, trimmed; '' when not set. */
export type GetInput = (name: string) => string;

const ACCOUNT_ID = /^\d{12}$/;
const PROFILE_NAME = /^[\w+=,.@-]{1,64}$/;
/** STS refuses sessions longer than an hour when a role session assumes another role. */
const MAX_CHAINED_DURATION = 3600;

/**
 * Parses and checks every input; throws an InputError naming the first one that breaks a rule. `inputVariables`
 * names the inputs whose values came from environment variables (src/inputs/variables.ts).
 */
export function readConfig(
  getInput: GetInput,
  env: NodeJS.ProcessEnv,
  inputVariables: Readonly<Record<string, string>> = {},
): Config {
  const line = (name: string): string => singleLine(name, getInput(name));
  const optional = (value: string): string | undefined => (value === '' ? undefined : value);
  const bool = (name: string, fallback: boolean): boolean => parseBoolean(name, line(name), fallback);

  const rawRegion = line('aws-region');
  if (rawRegion === '')
    throw new InputError('aws-region', 'aws-region is required: set it to the region to use, like us-east-1');
  const region = parsePattern(
    'aws-region',
    rawRegion,
    REGION_CODE,
    'an AWS region like us-east-1 or eu-west-1',
  );
  const partition = partitionOf(region);

  const session = readSessionName(
    line('role-session-name'),
    getInput('role-session-name-template'),
    env,
    inputVariables,
  );
  const plan = readRoleToAssume(getInput('role-to-assume'), partition, region, session.name);
  const roleToAssume = plan.role;
  const awsProfile = optional(line('aws-profile'));
  const profiles = readProfiles(getInput('profiles'), partition, region, awsProfile, session.name);

  const roleChaining = bool('role-chaining', false);
  const roleDurationSeconds = parseInteger('role-duration-seconds', line('role-duration-seconds'), {
    min: 900,
    max: 43200,
    fallback: 3600,
  }) as number;
  if (roleChaining && roleDurationSeconds > MAX_CHAINED_DURATION) {
    throw new InputError(
      'role-duration-seconds',
      `role-duration-seconds must be at most ${MAX_CHAINED_DURATION} with role-chaining: STS limits chained role sessions to one hour, got ${roleDurationSeconds}`,
    );
  }

  const staticKeys = readStaticKeys(getInput);
  const tokenFile = optional(line('web-identity-token-file'));
  if (tokenFile !== undefined && roleToAssume === undefined && profiles.length === 0) {
    throw new InputError(
      'web-identity-token-file',
      'web-identity-token-file needs role-to-assume or profiles: set the role the token should assume',
    );
  }
  if (tokenFile !== undefined && staticKeys !== undefined) {
    throw new InputError(
      'web-identity-token-file',
      'web-identity-token-file and aws-access-key-id are two different credential sources: set only one of them',
    );
  }
  if (roleChaining && roleToAssume === undefined) {
    throw new InputError(
      'role-chaining',
      'role-chaining needs role-to-assume: set the role to assume with the current credentials',
    );
  }

  if (awsProfile !== undefined) {
    parsePattern('aws-profile', awsProfile, PROFILE_NAME, '1 to 64 letters, digits or _+=,.@- characters');
    if (roleToAssume === undefined && staticKeys === undefined) {
      throw new InputError(
        'aws-profile',
        'aws-profile needs credentials to write: set role-to-assume, or aws-access-key-id and aws-secret-access-key',
      );
    }
  }
  checkChainedDuration(
    roleDurationSeconds,
    plan.nextHops.length,
    roleToAssume !== undefined && profiles.length > 0,
  );

  const refreshCredentials = bool('refresh-credentials', false);
  // A proxy from HTTPS_PROXY/HTTP_PROXY is not written to disk: later steps have the variable themselves.
  const proxyInput = inputVariables['http-proxy'] === undefined ? line('http-proxy') : '';
  if (refreshCredentials)
    checkRefresh(roleToAssume !== undefined || profiles.length > 0, staticKeys, roleChaining, proxyInput);
  if (refreshCredentials && bool('use-existing-credentials', false)) {
    throw new InputError(
      'refresh-credentials',
      'refresh-credentials and use-existing-credentials contradict each other: one renews credentials in later steps, the other keeps the ones the job has. Set only one of them',
    );
  }

  const customTags = readCustomTags(getInput('custom-tags'));
  const allowedAccountIds = parseList(getInput('allowed-account-ids'));
  for (const id of allowedAccountIds) {
    if (!ACCOUNT_ID.test(id)) {
      throw new InputError(
        'allowed-account-ids',
        `allowed-account-ids must be 12-digit AWS account ids separated by commas, got ${shown(id)}`,
      );
    }
  }
  checkAllowedRoles(allowedAccountIds, roleToAssume, plan.nextHops.at(-1), profiles);

  // Checked even when role-to-assume's first line sets its own external-id=, which wins.
  const rawExternalId = optional(line('role-external-id'));
  const externalId =
    rawExternalId === undefined
      ? undefined
      : parsePattern('role-external-id', rawExternalId, EXTERNAL_ID, EXTERNAL_ID_RULE);
  const audience = line('audience') || partition.defaultAudience;
  const stsEndpoint = optional(line('sts-endpoint'));
  // Every AWS SDK honours these when sts-endpoint is not set: checked like the input, naming the variable.
  if (stsEndpoint === undefined) {
    for (const variable of ['AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL'])
      checkVariableUrl(env, variable, 'the AWS SDKs send STS requests there when sts-endpoint is not set');
  }
  const httpProxy = optional(line('http-proxy'));
  // Without http-proxy, the proxy comes from one of these: checked the same way.
  const proxyVariable = httpProxy === undefined ? environmentProxy(env)?.variable : undefined;
  if (proxyVariable !== undefined)
    checkVariableUrl(
      env,
      proxyVariable,
      'the action sends STS requests through it when http-proxy is not set',
    );
  const timeout = line('action-timeout-s');

  return {
    region,
    partition,
    roleToAssume,
    roleSessionName: plan.sessionName ?? session.name,
    nextHops: plan.nextHops,
    profiles,
    profileLocation: parsePattern(
      'profile-location',
      line('profile-location') || 'home',
      /^(home|job)$/,
      'home or job',
    ) as 'home' | 'job',
    roleSourceIdentity: readSourceIdentity(line('role-source-identity')),
    sessionNameNote: session.note,
    roleDurationSeconds,
    staticKeys,
    webIdentityTokenFile:
      tokenFile === undefined ? undefined : path.resolve(env.GITHUB_WORKSPACE ?? process.cwd(), tokenFile),
    roleChaining,
    audience,
    roleExternalId: plan.externalId ?? externalId,
    skipSessionTagging: bool('role-skip-session-tagging', false),
    transitiveTagKeys: readTransitiveTagKeys(getInput('transitive-tag-keys'), customTags),
    customTags,
    inlineSessionPolicy: readInlinePolicy(getInput('inline-session-policy')),
    managedSessionPolicies: readManagedPolicies(getInput('managed-session-policies'), partition),
    maskAccountId: bool('mask-aws-account-id', false),
    outputCredentials: bool('output-credentials', false),
    outputEnvCredentials: bool('output-env-credentials', awsProfile === undefined),
    unsetCurrentCredentials: bool('unset-current-credentials', false),
    awsProfile,
    overwriteAwsProfile: bool('overwrite-aws-profile', false),
    allowedAccountIds,
    stsEndpoint: stsEndpoint === undefined ? undefined : parseUrl('sts-endpoint', stsEndpoint),
    httpProxy:
      httpProxy === undefined ? undefined : parseUrl('http-proxy', httpProxy, { hideCredentials: true }),
    noProxy: parseList(line('no-proxy')),
    retryMaxAttempts: readRetryMaxAttempts(line('retry-max-attempts')),
    disableRetry: bool('disable-retry', false),
    specialCharactersWorkaround: bool('special-characters-workaround', false),
    useExistingCredentials: bool('use-existing-credentials', false),
    forceSkipOidc: bool('force-skip-oidc', false),
    // 0 means no limit, as in configure-aws-credentials.
    // Node's timers hold at most 2^31-1 ms (a longer one fires at once).
    actionTimeoutSeconds:
      parseInteger('action-timeout-s', timeout, { min: 0, max: 2_147_483, fallback: undefined }) || undefined,
    refreshCredentials,
    summary: bool('summary', true),
    inputVariables,
  };
}

/**
 * With a chain, or profiles assumed with role-to-assume's session, a role is assumed with another role's session:
 * STS limits that session to an hour, as with role-chaining.
 */
function checkChainedDuration(seconds: number, hops: number, profilesFromRole: boolean): void {
  if (seconds <= MAX_CHAINED_DURATION) return;
  if (hops > 0)
    throw new InputError(
      'role-duration-seconds',
      `role-duration-seconds must be at most ${MAX_CHAINED_DURATION} with a chain in role-to-assume (${hops + 1} roles): STS limits the session of a role assumed with another role's session to one hour, got ${seconds}`,
    );
  if (profilesFromRole)
    throw new InputError(
      'role-duration-seconds',
      `role-duration-seconds must be at most ${MAX_CHAINED_DURATION} with profiles: their roles are assumed with role-to-assume's session, and STS limits such sessions to one hour, got ${seconds}`,
    );
}

/**
 * The accounts of the roles whose sessions later steps get, where their ARNs say it: role-to-assume's last role
 * and every profile's (a chain's earlier roles only sign the next hop).
 */
function checkAllowedRoles(
  allowed: readonly string[],
  roleToAssume: string | undefined,
  lastHop: HopSpec | undefined,
  profiles: readonly ProfileSpec[],
): void {
  if (allowed.length === 0) return;
  const refuse = (what: string, arn: string): void => {
    if (!allowed.includes(arnAccount(arn)))
      throw new InputError(
        'allowed-account-ids',
        `${what} is in account ${arnAccount(arn)}, which is not in allowed-account-ids (${allowed.join(', ')})`,
      );
  };
  if (lastHop !== undefined)
    refuse(`role-to-assume line ${lastHop.line} (the chain's last role)`, lastHop.roleArn);
  else if (roleToAssume?.startsWith('arn:')) refuse('role-to-assume', roleToAssume);
  for (const profile of profiles)
    refuse(`profiles line ${profile.line}: profile "${profile.name}"`, profile.roleArn);
}

/** retry-max-attempts counts attempts in all: 0 or less would mean none (the reference reads 0 as 12, -1 as 1). */
function readRetryMaxAttempts(raw: string): number {
  if (/^(0+|-\d+)$/.test(raw)) {
    throw new InputError(
      'retry-max-attempts',
      `retry-max-attempts must be a whole number of at least 1 (the attempts in all, the first included), got ${raw}: for a single attempt set retry-max-attempts: 1 or disable-retry: true`,
    );
  }
  return parseInteger('retry-max-attempts', raw, { min: 1, fallback: 12 }) as number;
}

/** A variable that must be an http(s) URL when set, refused with an InputError naming it. */
function checkVariableUrl(env: NodeJS.ProcessEnv, variable: string, why: string): void {
  const value = (env[variable] ?? '').trim();
  if (value === '') return;
  try {
    parseUrl(variable, value, { hideCredentials: true });
  } catch (error) {
    throw new InputError(variable, `${(error as Error).message}: ${why}; fix or unset ${variable}`);
  }
}

/**
 * refresh-credentials needs a source that can get new tokens by itself (GitHub OIDC or a token file), and
 * nothing secret in what it writes to disk.
 */
function checkRefresh(
  hasRole: boolean,
  staticKeys: StaticKeys | undefined,
  roleChaining: boolean,
  httpProxy: string,
): void {
  const why = (reason: string): InputError =>
    new InputError(
      'refresh-credentials',
      `refresh-credentials works only with GitHub OIDC or web-identity-token-file, which can get new tokens in later steps: ${reason}`,
    );
  if (!hasRole) throw why('set role-to-assume');
  if (staticKeys !== undefined)
    throw why(
      'with access keys the credentials would have to be written to disk; remove aws-access-key-id or refresh-credentials',
    );
  if (roleChaining)
    throw why(
      'a chained session cannot be renewed by later steps; remove role-chaining or refresh-credentials',
    );
  if (/^[^/]*\/\/[^/@]*@/.test(httpProxy)) {
    throw why(
      'http-proxy holds a user name or password, which would be written to disk; set HTTPS_PROXY in the job instead',
    );
  }
}

function readStaticKeys(getInput: GetInput): StaticKeys | undefined {
  const [accessKeyId, secretAccessKey, sessionToken] = SECRET_INPUTS.map((name) => {
    const value = getInput(name);
    // The value itself is never shown: it is a secret.
    if (/[\r\n]/.test(value))
      throw new InputError(name, `${name} must be a single line, but it holds a line break`);
    // Keys go into an HTTP header and a credentials file: anything else fails there, naming neither the input.
    const most = MAX_SECRET_LENGTH[name];
    if (value !== '' && (!/^[\x21-\x7e]+$/.test(value) || value.length > most)) {
      throw new InputError(
        name,
        `${name} must be at most ${most} visible ASCII characters (no spaces, accents or symbols like €), but it holds ${value.length > most ? `${value.length} characters` : 'another character'}: check the secret it comes from`,
      );
    }
    return value;
  }) as [string, string, string];
  if (accessKeyId === '' && secretAccessKey === '') {
    if (sessionToken !== '') {
      throw new InputError(
        'aws-session-token',
        'aws-session-token needs aws-access-key-id and aws-secret-access-key: set all three, or none',
      );
    }
    return undefined;
  }
  if (accessKeyId === '')
    throw new InputError(
      'aws-access-key-id',
      'aws-secret-access-key is set but aws-access-key-id is not: set both, or neither',
    );
  if (secretAccessKey === '')
    throw new InputError(
      'aws-secret-access-key',
      'aws-access-key-id is set but aws-secret-access-key is not: set both, or neither',
    );
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken === '' ? undefined : sessionToken };
}
