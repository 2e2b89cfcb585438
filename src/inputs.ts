import * as path from 'node:path';
import { InputError } from './errors.js';
import {
  parseBoolean,
  parseInteger,
  parseList,
  parsePattern,
  parseUrl,
  shown,
  singleLine,
} from './input-parsers.js';
import { arnAccount, arnPartition, partitionOf, REGION_CODE, type Partition } from './partition.js';
import { environmentProxy } from './proxy.js';
import {
  readCustomTags,
  readInlinePolicy,
  readManagedPolicies,
  readTransitiveTagKeys,
} from './session-inputs.js';

/** Everything the action was asked to do, parsed and checked once, before any network call. */
export interface Config {
  readonly region: string;
  readonly partition: Partition;
  /** A role ARN, or a bare role name to expand with the source account. */
  readonly roleToAssume: string | undefined;
  readonly roleSessionName: string;
  readonly roleDurationSeconds: number;
  readonly staticKeys: StaticKeys | undefined;
  /** Absolute path. */
  readonly webIdentityTokenFile: string | undefined;
  readonly roleChaining: boolean;
  readonly audience: string;
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

const ROLE_ARN = /^arn:aws[-a-z]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ACCOUNT_ID = /^\d{12}$/;
const PROFILE_NAME = /^[\w+=,.@-]{1,64}$/;
/** STS refuses sessions longer than an hour when a role session assumes another role. */
const MAX_CHAINED_DURATION = 3600;

/**
 * Parses and checks every input; throws an InputError naming the first one that breaks a rule. `inputVariables`
 * names the inputs whose values came from environment variables (src/input-variables.ts).
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

  const roleToAssume = optional(line('role-to-assume'));
  if (roleToAssume !== undefined) checkRole(roleToAssume, partition, region);

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
  if (tokenFile !== undefined && roleToAssume === undefined) {
    throw new InputError(
      'web-identity-token-file',
      'web-identity-token-file needs role-to-assume: set the role the token should assume',
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

  const awsProfile = optional(line('aws-profile'));
  if (awsProfile !== undefined) {
    parsePattern('aws-profile', awsProfile, PROFILE_NAME, '1 to 64 letters, digits or _+=,.@- characters');
    if (roleToAssume === undefined && staticKeys === undefined) {
      throw new InputError(
        'aws-profile',
        'aws-profile needs credentials to write: set role-to-assume, or aws-access-key-id and aws-secret-access-key',
      );
    }
  }

  const refreshCredentials = bool('refresh-credentials', false);
  // A proxy from HTTPS_PROXY/HTTP_PROXY is not written to disk: later steps have the variable themselves.
  const proxyInput = inputVariables['http-proxy'] === undefined ? line('http-proxy') : '';
  if (refreshCredentials) checkRefresh(roleToAssume, staticKeys, roleChaining, proxyInput);
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
  if (
    roleToAssume?.startsWith('arn:') &&
    allowedAccountIds.length > 0 &&
    !allowedAccountIds.includes(arnAccount(roleToAssume))
  ) {
    throw new InputError(
      'allowed-account-ids',
      `role-to-assume is in account ${arnAccount(roleToAssume)}, which is not in allowed-account-ids (${allowedAccountIds.join(', ')})`,
    );
  }

  const sessionName = line('role-session-name') || 'GitHubActions';
  const externalId = optional(line('role-external-id'));
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
    roleSessionName: parsePattern(
      'role-session-name',
      sessionName,
      SESSION_NAME,
      '2 to 64 letters, digits or _+=,.@- characters',
    ),
    roleDurationSeconds,
    staticKeys,
    webIdentityTokenFile:
      tokenFile === undefined ? undefined : path.resolve(env.GITHUB_WORKSPACE ?? process.cwd(), tokenFile),
    roleChaining,
    audience,
    roleExternalId:
      externalId === undefined
        ? undefined
        : parsePattern(
            'role-external-id',
            externalId,
            EXTERNAL_ID,
            '2 to 1224 letters, digits or _+=,.@:/- characters',
          ),
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
  roleToAssume: string | undefined,
  staticKeys: StaticKeys | undefined,
  roleChaining: boolean,
  httpProxy: string,
): void {
  const why = (reason: string): InputError =>
    new InputError(
      'refresh-credentials',
      `refresh-credentials works only with GitHub OIDC or web-identity-token-file, which can get new tokens in later steps: ${reason}`,
    );
  if (roleToAssume === undefined) throw why('set role-to-assume');
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

function checkRole(role: string, partition: Partition, region: string): void {
  if (role.startsWith('arn:')) {
    parsePattern(
      'role-to-assume',
      role,
      ROLE_ARN,
      'an IAM role ARN like arn:aws:iam::123456789012:role/deploy, or a bare role name',
    );
    if (arnPartition(role) !== partition.name) {
      throw new InputError(
        'role-to-assume',
        `role-to-assume is in partition ${arnPartition(role)}, but aws-region ${region} is in partition ${partition.name}: use a role ARN of that partition or a region of the role's`,
      );
    }
  } else {
    parsePattern(
      'role-to-assume',
      role,
      ROLE_NAME,
      'an IAM role ARN like arn:aws:iam::123456789012:role/deploy, or a bare role name of 1 to 64 letters, digits or _+=,.@- characters',
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
