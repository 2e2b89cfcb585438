import type { Obtained } from './assume.js';
import type { Config } from './inputs.js';
import { writeProfile, type WrittenSection } from './profile-files.js';
import { writeRefreshConfig, type RefreshParams } from './refresh-config.js';
import type { Runner } from './runner.js';
import { runAppId } from './user-agent.js';

/** Names of the GITHUB_STATE entries the post step reads. */
export const STATE = {
  exportedVariables: 'exported-variables',
  profileSections: 'profile-sections',
  previousValues: 'previous-values',
  createdFiles: 'created-files',
} as const;

/** Where refresh-credentials writes its AWS config file, and what the file runs. */
export interface RefreshTarget {
  readonly params: RefreshParams;
  readonly runnerTemp: string;
  readonly node: string;
  readonly script: string;
}

/**
 * Variables whose earlier value (from a step before this one) the post step puts back instead of emptying:
 * an empty AWS_PROFILE or AWS_REGION breaks the AWS CLI in every later post step. Credentials are never
 * saved, so they are only ever cleared.
 */
export const RESTORED_VARIABLES: ReadonlySet<string> = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
]);

/** The variables that carry credentials: an earlier step's are cleared wherever they would mix with new ones. */
export const KEY_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
] as const;

/** Registers a secret with the runner before anything can print it. */
export type Mask = (secret: string | undefined) => void;

/** What was handed to later steps, for the log. */
export interface Exported {
  readonly variables: readonly string[];
  readonly outputs: readonly string[];
  readonly profileSections: readonly WrittenSection[];
  /** The credential_process config file (refresh-credentials). */
  readonly refreshConfig: string | undefined;
  /** Variables exported empty, to clear what an earlier step left. */
  readonly cleared: readonly string[];
}

/**
 * Masks the final credentials, then hands them over: profile files first (the only step that can fail),
 * then environment variables, outputs and the post step's state. Called only once everything is in hand.
 */
export function exportCredentials(
  obtained: Obtained,
  config: Config,
  {
    runner,
    mask,
    env,
    refresh,
  }: { runner: Runner; mask: Mask; env: NodeJS.ProcessEnv; refresh?: RefreshTarget | undefined },
): Exported {
  const creds = obtained.credentials;
  mask(creds?.accessKeyId);
  mask(creds?.secretAccessKey);
  mask(creds?.sessionToken);
  if (config.maskAccountId) mask(obtained.identity.accountId);

  // With refresh-credentials the profile lives in the credential_process config, never with fixed keys.
  const refreshConfig =
    refresh === undefined ? undefined : writeRefreshConfig(refresh.params, config.awsProfile, refresh);
  const profileSections =
    config.awsProfile !== undefined && creds !== undefined && refresh === undefined
      ? writeProfile(config.awsProfile, creds, config.region, env)
      : [];

  const variables = new Map<string, string>();
  if (refreshConfig !== undefined) {
    // Keys in the environment would win over the profile and never be renewed: clear an earlier step's.
    for (const name of KEY_VARIABLES) setOrClear(variables, env, name, undefined);
    variables.set('AWS_CONFIG_FILE', refreshConfig);
    variables.set('AWS_REGION', config.region);
    variables.set('AWS_DEFAULT_REGION', config.region);
    // Without aws-profile the config's profile is [default]: an earlier AWS_PROFILE would miss it.
    setOrClear(variables, env, 'AWS_PROFILE', config.awsProfile);
  } else if (config.outputEnvCredentials) {
    if (creds !== undefined) {
      variables.set('AWS_ACCESS_KEY_ID', creds.accessKeyId);
      variables.set('AWS_SECRET_ACCESS_KEY', creds.secretAccessKey);
      // Clear what an earlier step left when the new credentials have none, or the SDKs would mix them.
      setOrClear(variables, env, 'AWS_SESSION_TOKEN', creds.sessionToken);
      setOrClear(variables, env, 'AWS_CREDENTIAL_EXPIRATION', creds.expiration?.toISOString());
    }
    variables.set('AWS_REGION', config.region);
    variables.set('AWS_DEFAULT_REGION', config.region);
    if (config.awsProfile !== undefined) variables.set('AWS_PROFILE', config.awsProfile);
  }

  // Later steps' own AWS calls carry the run too, unless the job names its own app id.
  const appId = runAppId(env);
  if (variables.size > 0 && appId !== undefined && !env.AWS_SDK_UA_APP_ID)
    variables.set('AWS_SDK_UA_APP_ID', appId);

  const outputs = new Map<string, string>([
    ['aws-account-id', obtained.identity.accountId],
    ['authenticated-arn', obtained.identity.arn],
  ]);
  if (config.outputCredentials && creds !== undefined) {
    outputs.set('aws-access-key-id', creds.accessKeyId);
    outputs.set('aws-secret-access-key', creds.secretAccessKey);
    if (creds.sessionToken !== undefined) outputs.set('aws-session-token', creds.sessionToken);
    if (creds.expiration !== undefined) outputs.set('aws-expiration', creds.expiration.toISOString());
  }

  for (const [name, value] of variables) runner.exportVariable(name, value);
  for (const [name, value] of outputs) runner.setOutput(name, value);
  runner.saveState(STATE.exportedVariables, JSON.stringify([...variables.keys()]));
  runner.saveState(STATE.profileSections, JSON.stringify(profileSections));
  runner.saveState(STATE.createdFiles, JSON.stringify(refreshConfig === undefined ? [] : [refreshConfig]));
  const previous = [...variables.keys()].filter((name) => RESTORED_VARIABLES.has(name) && env[name]);
  runner.saveState(
    STATE.previousValues,
    JSON.stringify(Object.fromEntries(previous.map((name) => [name, env[name]]))),
  );
  return {
    variables: [...variables.keys()],
    outputs: [...outputs.keys()],
    profileSections,
    refreshConfig,
    cleared: [...variables].filter(([, value]) => value === '').map(([name]) => name),
  };
}

function setOrClear(
  variables: Map<string, string>,
  env: NodeJS.ProcessEnv,
  name: string,
  value: string | undefined,
): void {
  if (value !== undefined) variables.set(name, value);
  else if (env[name] !== undefined) variables.set(name, '');
}
