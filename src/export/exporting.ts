import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../inputs/config.js';
import type { PlanResult } from '../plan/run-plan.js';
import { credentialProcess, homeDir, msysExclusions } from './platform.js';
import { removeSections, writeConfigProfile, writeProfiles, type WrittenSection } from './profile-files.js';
import { newActionFolder, writeRefreshConfig, type RefreshEntry } from './refresh-config.js';
import type { Runner } from '../runner.js';
import { runAppId } from '../sts/user-agent.js';

/** Names of the GITHUB_STATE entries the post step reads. */
export const STATE = {
  exportedVariables: 'exported-variables',
  profileSections: 'profile-sections',
  previousValues: 'previous-values',
  createdFiles: 'created-files',
} as const;

/** The credential_process program later steps can run: dist/refresh/index.js under the action's own Node. */
export interface ProcessTarget {
  readonly runnerTemp: string;
  readonly node: string;
  readonly script: string;
}

/**
 * Variables whose earlier value (from a step before this one) the post step puts back. Credentials are never
 * saved, so they are only ever cleared.
 */
export const RESTORED_VARIABLES: ReadonlySet<string> = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'MSYS2_ENV_CONV_EXCL',
]);

/** The variables that carry credentials: an earlier step's are cleared wherever they would mix with new ones. */
export const KEY_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
] as const;

/**
 * The profile later steps get in AWS_PROFILE when an earlier step left one and this step exports keys: the
 * AWS SDK for JavaScript skips environment keys whenever AWS_PROFILE is set, so this profile's
 * credential_process hands out the exported keys (`--from-environment`); it holds no secret itself.
 */
export const ENVIRONMENT_PROFILE = 'assume-aws-role-env';

/** The credential variables Git Bash must not rewrite on Windows (see msysExclusions). */
const SECRET_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

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
  /** The AWS_PROFILE an earlier step left, replaced by ENVIRONMENT_PROFILE. */
  readonly replacedProfile: string | undefined;
}

/** How exportCredentials reaches the runner and the files, and what refresh-credentials asks for. */
export interface ExportDeps {
  readonly runner: Runner;
  readonly mask: Mask;
  /** The job's environment as later steps inherit it. */
  readonly env: NodeJS.ProcessEnv;
  readonly processTarget: ProcessTarget;
  /** refresh-credentials: what each profile's credential_process needs to assume its roles again. */
  readonly refresh?: readonly RefreshEntry[] | undefined;
  readonly platform?: NodeJS.Platform;
}

/**
 * Masks the final credentials, then hands them over: files first (the only part that can fail, undone as a whole
 * when any of it fails), then environment variables, outputs and the post step's state. Called only once every
 * session of the plan is in hand.
 */
export function exportCredentials(plan: PlanResult, config: Config, deps: ExportDeps): Exported {
  const { runner, mask, env, refresh, platform = process.platform } = deps;
  const obtained = plan.primary;
  const creds = obtained?.credentials;
  for (const session of [creds, ...plan.profiles.map((p) => p.credentials)]) {
    mask(session?.accessKeyId);
    mask(session?.secretAccessKey);
    mask(session?.sessionToken);
  }
  if (config.maskAccountId) {
    mask(obtained?.identity.accountId);
    for (const profile of plan.profiles) mask(profile.identity.accountId);
  }

  // An AWS_PROFILE an earlier step left, which later steps would still have beside the new keys. One that is
  // ENVIRONMENT_PROFILE already (an earlier step of this action) hands out whatever keys the environment has.
  const earlierProfile = env.AWS_PROFILE || undefined;
  const replacedProfile =
    refresh === undefined &&
    config.outputEnvCredentials &&
    config.awsProfile === undefined &&
    creds !== undefined &&
    earlierProfile !== undefined &&
    earlierProfile !== ENVIRONMENT_PROFILE
      ? earlierProfile
      : undefined;
  const { refreshConfig, profileSections, createdFiles, jobFiles } = writeFiles(
    plan,
    config,
    deps,
    replacedProfile !== undefined,
  );
  const variables = new Map<string, string>();
  if (jobFiles !== undefined) {
    // profile-location: job — later steps find the profiles in the job's own files.
    variables.set('AWS_SHARED_CREDENTIALS_FILE', jobFiles.credentials);
    variables.set('AWS_CONFIG_FILE', jobFiles.config);
  }
  if (refreshConfig !== undefined) {
    // Keys in the environment would win over the profile and never be renewed: clear an earlier step's.
    for (const name of KEY_VARIABLES) setOrClear(variables, env, name, undefined);
    variables.set('AWS_CONFIG_FILE', refreshConfig);
    variables.set('AWS_REGION', config.region);
    variables.set('AWS_DEFAULT_REGION', config.region);
    // Without aws-profile the config's profile is [default]: name it rather than leave an earlier AWS_PROFILE
    // (or an empty one, which the AWS CLI and boto3 refuse).
    const profile = config.awsProfile ?? (earlierProfile !== undefined ? 'default' : undefined);
    if (profile !== undefined) variables.set('AWS_PROFILE', profile);
  } else if (config.outputEnvCredentials) {
    if (creds !== undefined) {
      variables.set('AWS_ACCESS_KEY_ID', creds.accessKeyId);
      variables.set('AWS_SECRET_ACCESS_KEY', creds.secretAccessKey);
      // Clear what an earlier step left when the new credentials have none, or the SDKs would mix them.
      setOrClear(variables, env, 'AWS_SESSION_TOKEN', creds.sessionToken);
      setOrClear(variables, env, 'AWS_CREDENTIAL_EXPIRATION', creds.expiration?.toISOString());
      const exclusions = msysExclusions(env.MSYS2_ENV_CONV_EXCL, SECRET_VARIABLES, platform);
      if (exclusions !== undefined) variables.set('MSYS2_ENV_CONV_EXCL', exclusions);
    }
    variables.set('AWS_REGION', config.region);
    variables.set('AWS_DEFAULT_REGION', config.region);
    if (config.awsProfile !== undefined) variables.set('AWS_PROFILE', config.awsProfile);
    if (replacedProfile !== undefined) variables.set('AWS_PROFILE', ENVIRONMENT_PROFILE);
  }
  // Later steps' own AWS calls carry the run too, unless the job names its own app id.
  const appId = runAppId(env);
  if (variables.size > 0 && appId !== undefined && !env.AWS_SDK_UA_APP_ID)
    variables.set('AWS_SDK_UA_APP_ID', appId);

  const outputs = new Map<string, string>(
    obtained === undefined
      ? []
      : [
          ['aws-account-id', obtained.identity.accountId],
          ['authenticated-arn', obtained.identity.arn],
        ],
  );
  if (config.outputCredentials && creds !== undefined) {
    outputs.set('aws-access-key-id', creds.accessKeyId);
    outputs.set('aws-secret-access-key', creds.secretAccessKey);
    if (creds.sessionToken !== undefined) outputs.set('aws-session-token', creds.sessionToken);
    // JSON-quoted ("2026-…Z"), as configure-aws-credentials writes it (it passes a Date to setOutput):
    // workflows that read it with fromJSON() keep working. AWS_CREDENTIAL_EXPIRATION has it bare.
    if (creds.expiration !== undefined)
      outputs.set('aws-expiration', JSON.stringify(creds.expiration.toISOString()));
  }

  for (const [name, value] of variables) runner.exportVariable(name, value);
  for (const [name, value] of outputs) runner.setOutput(name, value);
  runner.saveState(STATE.exportedVariables, JSON.stringify([...variables.keys()]));
  runner.saveState(STATE.profileSections, JSON.stringify(profileSections));
  runner.saveState(STATE.createdFiles, JSON.stringify(createdFiles));
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
    replacedProfile,
  };
}

/** What the export wrote to files, for the variables, the log and the post step. */
interface WrittenFiles {
  readonly refreshConfig: string | undefined;
  readonly profileSections: WrittenSection[];
  readonly createdFiles: string[];
  /** profile-location: job — the job's own shared files, under RUNNER_TEMP. */
  readonly jobFiles: { readonly credentials: string; readonly config: string } | undefined;
}

/**
 * Every file of the export: the refresh config, the profiles (aws-profile and `profiles`) and the environment
 * profile — all or nothing: when one fails, what was written before it is taken out again.
 */
function writeFiles(
  plan: PlanResult,
  config: Config,
  deps: ExportDeps,
  withEnvironmentProfile: boolean,
): WrittenFiles {
  const { env, processTarget, refresh, platform = process.platform } = deps;
  const creds = plan.primary?.credentials;
  const named =
    refresh !== undefined
      ? []
      : [
          ...(config.awsProfile !== undefined && creds !== undefined
            ? [{ profile: config.awsProfile, credentials: creds }]
            : []),
          ...plan.profiles.map(({ name, credentials }) => ({ profile: name, credentials })),
        ];
  const createdFiles: string[] = [];
  const profileSections: WrittenSection[] = [];
  let jobFiles: WrittenFiles['jobFiles'];
  let filesEnv = env;
  if (config.profileLocation === 'job' && (named.length > 0 || withEnvironmentProfile)) {
    const dir = newActionFolder(processTarget.runnerTemp);
    jobFiles = { credentials: path.join(dir, 'credentials'), config: path.join(dir, 'config') };
    filesEnv = {
      ...env,
      AWS_SHARED_CREDENTIALS_FILE: jobFiles.credentials,
      AWS_CONFIG_FILE: jobFiles.config,
    };
    createdFiles.push(jobFiles.config);
  }
  let refreshConfig: string | undefined;
  try {
    // With refresh-credentials the profiles live in the credential_process config, never with fixed keys.
    if (refresh !== undefined) {
      refreshConfig = writeRefreshConfig(refresh, processTarget, platform);
      createdFiles.push(refreshConfig);
    }
    if (named.length > 0) profileSections.push(...writeProfiles(named, config.region, filesEnv, platform));
    if (withEnvironmentProfile) {
      const { sections, files } = writeEnvironmentProfile(config.region, filesEnv, processTarget, platform);
      profileSections.push(...sections);
      createdFiles.push(...files);
    }
  } catch (error) {
    removeSections(profileSections, homeDir(env, platform));
    for (const file of createdFiles) rmSync(path.dirname(file), { recursive: true, force: true });
    throw error;
  }
  return { refreshConfig, profileSections, createdFiles, jobFiles };
}

/** The ENVIRONMENT_PROFILE section in the config file, and the files its credential_process needs. */
function writeEnvironmentProfile(
  region: string,
  env: NodeJS.ProcessEnv,
  target: ProcessTarget,
  platform: NodeJS.Platform,
): { sections: WrittenSection[]; files: string[] } {
  // Only the Windows shim needs a folder; elsewhere the line runs Node directly.
  const dir = platform === 'win32' ? newActionFolder(target.runnerTemp) : undefined;
  try {
    const command = credentialProcess(
      {
        node: target.node,
        script: target.script,
        args: ['--from-environment'],
        dir: dir ?? target.runnerTemp,
      },
      platform,
    );
    const sections = writeConfigProfile(
      ENVIRONMENT_PROFILE,
      [
        '# Written by the assume-aws-role action for this job; removed by its post step.',
        `region = ${region}`,
        `credential_process = ${command.line}`,
      ],
      env,
      platform,
    );
    return { sections, files: command.shim === undefined ? [] : [command.shim] };
  } catch (error) {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
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
