import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepContext, StepStats } from './plan/source.js';
import { Deadline } from './deadline.js';
import { ActionError, InputError, messageOf, redact } from './errors.js';
import {
  ENVIRONMENT_PROFILE,
  exportCredentials,
  KEY_VARIABLES,
  type Exported,
  type Mask,
  type ProcessTarget,
} from './export/exporting.js';
import { FALSE_VALUES, shown, TRUE_VALUES } from './inputs/parsers.js';
import { describeInputVariables, withInputVariables } from './inputs/variables.js';
import { readConfig, SECRET_INPUTS, type Config, type GetInput } from './inputs/config.js';
import { checkProfileWritable, profileExists, profileFilePaths } from './export/profile-files.js';
import { networkNotes } from './sts/network-notes.js';
import { fileProtection } from './export/platform.js';
import type { PlanResult } from './plan/run-plan.js';
import { headStart } from './plan/head-start.js';
import { refreshEntries } from './plan/refresh-plan.js';
import type { RefreshEntry } from './export/refresh-config.js';
import { runContextOnDemand } from './sts/run-context.js';
import { actionsRunner, type Runner } from './runner.js';
import { summaryMarkdown } from './report/summary.js';
import { identifyExecutionEnv, runUserAgent } from './sts/user-agent.js';

/** What unset-current-credentials makes this process forget. */
const CREDENTIAL_VARIABLES = [...KEY_VARIABLES, 'AWS_PROFILE'];

/**
 * The main step: parse inputs → choose a credential source → obtain credentials → mask → export → summarise.
 * Nothing is exported until the final credentials are in hand, so a failure leaves the job as it was.
 */
export async function run(
  runner: Runner = actionsRunner,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  const started = Date.now();
  const secrets = new Set<string>();
  const mask: Mask = (secret) => {
    if (secret && !secrets.has(secret)) {
      secrets.add(secret);
      runner.setSecret(secret);
    }
  };
  const stats: StepStats = { retries: 0 };
  let config: Config | undefined;
  let fromVariables: Readonly<Record<string, string>> = {};
  let deadline: Deadline | undefined;
  let grouped = false;
  try {
    // Secrets in the inputs are masked before anything, even a validation error, could print them.
    for (const name of SECRET_INPUTS) mask(runner.getInput(name));
    // The runner's bearer for GitHub's ID-token endpoint: a server that echoes its request must not show it.
    mask(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
    // Variables such as AWS_REGION stand in for empty inputs, as in configure-aws-credentials.
    const inputs = withInputVariables((name) => runner.getInput(name), env);
    fromVariables = inputs.fromVariables;
    maskAccountsEarly(inputs.getInput, mask);
    const standIns = describeInputVariables(fromVariables);
    if (standIns !== undefined) runner.info(standIns);

    // Every input is checked before the first network call.
    config = readConfig(inputs.getInput, env, fromVariables);
    checkPlanInputs(config, env, platform);
    if (config.sessionNameNote !== undefined) runner.info(config.sessionNameNote);
    identifyExecutionEnv(env);
    for (const warning of runUserAgent(env).warnings) runner.warning(warning);
    deadline = new Deadline(config.actionTimeoutSeconds);

    // Later steps inherit the job's environment as it was, unset or not: exports are decided against it.
    const jobEnv = { ...env };
    warnMissingProfile(runner, jobEnv, platform);
    if (config.unsetCurrentCredentials) {
      // Only this process forgets them; later steps get the new credentials, or keep the old ones on failure.
      for (const name of CREDENTIAL_VARIABLES) delete env[name];
      runner.info('unset-current-credentials: ignoring the AWS credentials already in the environment');
    }

    runner.startGroup('Getting AWS credentials');
    grouped = true;
    // Where the requests go, and what in the environment decides it, on every run.
    const network = networkNotes(config, env);
    stats.endpoint = network.endpoint;
    for (const line of network.info) runner.info(line);
    for (const line of network.warnings) runner.warning(line);
    // The STS connection (and the first ID-token request) get going while the flow and the AWS SDK load.
    const early = await headStart(
      config,
      env,
      (aud, signal) => runner.getIDToken(aud, signal),
      deadline.signal,
    );
    const step: StepContext = { config, env, deadline, runner, mask, stats, headStart: early };
    const { existingCredentials, obtainPlan } = await import('./plan/run-plan.js');
    const existing = config.useExistingCredentials ? await existingCredentials(step) : undefined;
    const plan: PlanResult =
      existing !== undefined ? { primary: existing, profiles: [] } : await obtainPlan(step);
    deadline.check();

    // Only now, with every session in hand, is anything handed to later steps.
    const exported = exportCredentials(plan, config, {
      runner,
      mask,
      env: jobEnv,
      processTarget: processTarget(env),
      refresh: refreshOf(config, plan, env),
      platform,
    });
    runner.endGroup();
    grouped = false;
    report(runner, plan, exported, platform);
    if (
      exported.profileSections.length > 0 &&
      config.profileLocation === 'home' &&
      env.RUNNER_ENVIRONMENT === 'self-hosted'
    )
      runner.info(
        "On a self-hosted runner, profile-location: job keeps these profiles in the job's own files, so that a job whose post step never runs leaves none for the next job",
      );
    if (config.summary) {
      const renewed = exported.refreshConfig !== undefined;
      writeSummary(runner, secrets, summaryOf(config, plan, stats, started, undefined, renewed));
    }
  } catch (error) {
    if (grouped) runner.endGroup();
    const details = error instanceof ActionError ? error.details.map((line) => redact(line, secrets)) : [];
    const message = redact(messageOf(error) + fromVariable(error, fromVariables), secrets);
    for (const line of details) runner.info(line);
    runner.setFailed(message);
    // The message is on the error line already; debug adds only where it came from.
    if (runner.isDebug() && error instanceof Error && error.stack) {
      runner.debug(redact(error.stack.split('\n').slice(1).join('\n'), secrets));
    }
    if (config?.summary ?? !FALSE_VALUES.includes(runner.getInput('summary'))) {
      writeSummary(runner, secrets, summaryOf(config, undefined, stats, started, { message, details }));
    }
  } finally {
    deadline?.clear();
  }
}

/** refresh-credentials: what each profile's credential_process needs to assume its roles again. */
function refreshOf(config: Config, plan: PlanResult, env: NodeJS.ProcessEnv): RefreshEntry[] | undefined {
  if (plan.primary !== undefined && plan.primary.roleArn === undefined && plan.profiles.length === 0)
    return undefined;
  return refreshEntries(config, plan, runContextOnDemand(env));
}

/** Checks, before any request, what only the files can tell: profiles that exist already, combinations. */
function checkPlanInputs(config: Config, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): void {
  if (config.useExistingCredentials && config.profiles.length > 0) {
    throw new InputError(
      'use-existing-credentials',
      "use-existing-credentials fetches nothing when the job's credentials work, so the profiles would not be written: remove it, or the profiles input",
    );
  }
  // Job-local files are new; with refresh-credentials the profiles live in the refresh config under RUNNER_TEMP.
  if (config.profileLocation === 'job' || config.refreshCredentials) return;
  if (config.awsProfile !== undefined)
    checkProfileWritable(config.awsProfile, env, config.overwriteAwsProfile, platform);
  for (const profile of config.profiles)
    checkProfileWritable(profile.name, env, config.overwriteAwsProfile, platform, 'profiles');
}

/** The credential_process program of later steps (dist/refresh/index.js), and where its files go. */
function processTarget(env: NodeJS.ProcessEnv): ProcessTarget {
  return {
    runnerTemp: env.RUNNER_TEMP || os.tmpdir(),
    node: process.execPath,
    script: path.join(path.dirname(fileURLToPath(import.meta.url)), 'refresh', 'index.js'),
  };
}

/** Logs who the credentials are, when they expire and what later steps got. */
function report(runner: Runner, plan: PlanResult, exported: Exported, platform: NodeJS.Platform): void {
  const expires = (expiry: Date | undefined) =>
    expiry
      ? `; the credentials expire at ${expiry.toISOString()} (in ${Math.round((expiry.getTime() - Date.now()) / 60000)} min)`
      : '';
  if (plan.primary !== undefined)
    runner.info(
      `Authenticated as ${plan.primary.identity.arn}${expires(plan.primary.credentials?.expiration)}`,
    );
  for (const profile of plan.profiles)
    runner.info(`Profile ${profile.name}: ${profile.identity.arn}${expires(profile.credentials.expiration)}`);
  if (exported.refreshConfig !== undefined) {
    runner.info(
      `refresh-credentials: later steps get new credentials through the credential_process in ${exported.refreshConfig}`,
    );
  }
  const cleared = exported.variables.filter((name) => exported.cleared.includes(name));
  const set = exported.variables.filter((name) => !exported.cleared.includes(name));
  if (set.length > 0) runner.info(`Exported for later steps: ${set.join(', ')}`);
  if (cleared.length > 0)
    runner.info(`Cleared for later steps (left by an earlier step): ${cleared.join(', ')}`);
  if (exported.replacedProfile !== undefined) {
    runner.info(
      `An earlier step left AWS_PROFILE=${shown(exported.replacedProfile)}, which the AWS SDK for JavaScript would use instead of the exported keys: later steps get AWS_PROFILE=${ENVIRONMENT_PROFILE}, whose credential_process hands out the exported keys (the post step puts the earlier value back)`,
    );
  }
  for (const section of exported.profileSections)
    runner.info(`Wrote [${section.header}] to ${section.file} (${fileProtection(platform)})`);
}

/** The job summary is a report, not part of the outcome: failing to write it only warns. */
function writeSummary(runner: Runner, secrets: ReadonlySet<string>, markdown: string): void {
  try {
    runner.appendSummary(redact(markdown, secrets));
  } catch (error) {
    runner.warning(`Could not write the job summary: ${messageOf(error)}`);
  }
}

function summaryOf(
  config: Config | undefined,
  plan: PlanResult | undefined,
  stats: StepStats,
  started: number,
  failure: { message: string; details: readonly string[] } | undefined,
  renewed = false,
): string {
  const obtained = plan?.primary;
  return summaryMarkdown({
    renewed,
    profiles: plan?.profiles.map(({ name, identity }) => ({ name, arn: identity.arn })) ?? [],
    // On failure, the source that was tried (undefined when the inputs were refused before any was chosen).
    source: obtained?.source ?? stats.source,
    identityArn: obtained?.identity.arn,
    region: config?.region,
    endpoint: stats.endpoint,
    expiration: obtained?.credentials?.expiration,
    sessionTags: obtained?.sessionTags,
    retries: stats.retries,
    elapsedMs: Date.now() - started,
    maskAccountId: config?.maskAccountId ?? false,
    failure,
  });
}

/**
 * With mask-aws-account-id, the account ids written in the inputs are masked before they are parsed, so
 * not even an input error can show them.
 */
function maskAccountsEarly(getInput: GetInput, mask: Mask): void {
  if (!TRUE_VALUES.includes(getInput('mask-aws-account-id'))) return;
  const written = `${getInput('role-to-assume')} ${getInput('allowed-account-ids')}`;
  for (const [account] of written.matchAll(/\b\d{12}\b/g)) mask(account);
}

/** For an input refused whose value came from a variable: which variable to fix. */
function fromVariable(error: unknown, fromVariables: Readonly<Record<string, string>>): string {
  const variable = error instanceof InputError ? fromVariables[error.input] : undefined;
  return variable === undefined
    ? ''
    : ` (${(error as InputError).input} was not set, so its value came from the ${variable} environment variable: fix or unset ${variable}, or set the input)`;
}

/** An AWS_PROFILE an earlier step or the job set that names no profile breaks every later AWS CLI step: say so. */
function warnMissingProfile(runner: Runner, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): void {
  const profile = env.AWS_PROFILE;
  if (!profile || profile === ENVIRONMENT_PROFILE || profileExists(profile, env, platform) !== false) return;
  const files = profileFilePaths(env, platform);
  runner.warning(
    `AWS_PROFILE=${shown(profile)}, set by an earlier step or the job, names no profile in ${files.credentials} or ${files.config}: the AWS CLI and boto3 fail "The config profile (${profile}) could not be found" wherever it is still set. Set aws-profile to write that profile, or unset AWS_PROFILE.`,
  );
}
