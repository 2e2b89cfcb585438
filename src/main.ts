import { obtainCredentials, type Obtained } from './assume.js';
import { Deadline } from './deadline.js';
import { codeOf, messageOf, redact } from './errors.js';
import { exportCredentials, type Exported, type Mask } from './exporting.js';
import { readConfig, SECRET_INPUTS, type Config } from './inputs.js';
import { checkProfileWritable } from './profile-files.js';
import { currentRun } from './run-context.js';
import { actionsRunner, type Runner } from './runner.js';
import type { OnRetry } from './retry.js';
import { chooseSource } from './sources/choose.js';
import { loadSource } from './sources/load.js';
import { createStsClient, getCallerIdentity, stsEndpointUrl } from './sts.js';

const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
];

/**
 * The main step: parse inputs → choose a credential source → obtain credentials → mask → export.
 * Nothing is exported until the final credentials are in hand, so a failure leaves the job as it was.
 */
export async function run(
  runner: Runner = actionsRunner,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const secrets = new Set<string>();
  const mask: Mask = (secret) => {
    if (secret && !secrets.has(secret)) {
      secrets.add(secret);
      runner.setSecret(secret);
    }
  };
  let deadline: Deadline | undefined;
  try {
    // Secrets in the inputs are masked before anything, even a validation error, could print them.
    for (const name of SECRET_INPUTS) mask(runner.getInput(name));
    maskAccountsEarly(runner, mask);

    // Every input is checked before the first network call.
    const config = readConfig((name) => runner.getInput(name), env);
    if (config.awsProfile !== undefined)
      checkProfileWritable(config.awsProfile, env, config.overwriteAwsProfile);
    deadline = new Deadline(config.actionTimeoutSeconds);

    // Later steps inherit the job's environment as it was, unset or not: exports are decided against it.
    const jobEnv = { ...env };
    if (config.unsetCurrentCredentials) {
      // Only this process forgets them; later steps get the new credentials, or keep the old ones on failure.
      for (const name of CREDENTIAL_VARIABLES) delete env[name];
      runner.info('unset-current-credentials: ignoring the AWS credentials already in the environment');
    }

    const obtained =
      (config.useExistingCredentials
        ? await existingCredentials(config, env, deadline, runner, mask)
        : undefined) ?? (await credentialsFromSource(config, env, deadline, runner, mask));
    deadline.check();

    // Only now, with everything in hand, is anything handed to later steps.
    const exported = exportCredentials(obtained, config, { runner, mask, env: jobEnv });
    report(runner, obtained, exported);
  } catch (error) {
    runner.setFailed(redact(messageOf(error), secrets));
    // The message is on the error line already; debug adds only where it came from.
    if (runner.isDebug() && error instanceof Error && error.stack) {
      runner.debug(redact(error.stack.split('\n').slice(1).join('\n'), secrets));
    }
  } finally {
    deadline?.clear();
  }
}

/** Chooses one credential source (logged with the reason), loads it and exchanges it for the final credentials. */
async function credentialsFromSource(
  config: Config,
  env: NodeJS.ProcessEnv,
  deadline: Deadline,
  runner: Runner,
  mask: Mask,
): Promise<Obtained> {
  const choice = chooseSource(config, env);
  runner.info(`Credential source: ${choice.kind} (${choice.reason})`);
  const source = loadSource(choice, config, {
    getIDToken: (aud, signal) => runner.getIDToken(aud, signal),
    mask,
    onRetry: retryLogger(runner, 'GitHub ID-token request'),
    signal: deadline.signal,
  });

  if (config.roleToAssume !== undefined) {
    runner.info(
      `Assuming ${config.roleToAssume} as session ${config.roleSessionName} for ${config.roleDurationSeconds} s`,
    );
  }
  if (source.kind === 'web-identity') warnAssumeRoleOnlyInputs(config, runner);
  const maxAttempts = config.disableRetry ? 1 : config.retryMaxAttempts;
  const onRetry = retryLogger(runner, 'STS request');
  // A web identity assume is retried by the action itself, with a new token each time: its client tries once.
  const client =
    source.kind === 'signer'
      ? createStsClient(config, source.signer, env, { onRetry })
      : createStsClient(config, 'default-chain', env, { maxAttempts: 1 });
  return deadline.race(
    obtainCredentials(config, choice, source, {
      client,
      run: currentRun(env),
      signal: deadline.signal,
      endpoint: stsEndpointUrl(config),
      mask,
      stage: (what) => (deadline.stage = what),
      maxAttempts,
      onRetry,
      info: (line) => runner.info(line),
      warning: (line) => runner.warning(line),
    }),
  );
}

/** AssumeRoleWithWebIdentity takes no external id and no session tags: say so rather than drop them silently. */
function warnAssumeRoleOnlyInputs(config: Config, runner: Runner): void {
  const ignored = [
    ...(config.roleExternalId !== undefined ? ['role-external-id'] : []),
    ...(Object.keys(config.customTags).length > 0 ? ['custom-tags'] : []),
    ...(config.transitiveTagKeys.length > 0 ? ['transitive-tag-keys'] : []),
  ];
  if (ignored.length === 0) return;
  runner.warning(
    `${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} ignored: STS takes an external id and session tags only with AssumeRole, not with a web identity token (whose session tags come from the token's claims)`,
  );
}

/** Logs each retry: which request, which attempt, which failure. */
function retryLogger(runner: Runner, request: string): OnRetry {
  return (error, failedAttempt, maxAttempts) =>
    runner.info(
      `${request} attempt ${failedAttempt} of ${maxAttempts} failed (${codeOf(error) ?? 'error'}); trying again`,
    );
}

/** Logs who the credentials are, when they expire and what later steps got. */
function report(runner: Runner, obtained: Obtained, exported: Exported): void {
  const expiry = obtained.credentials?.expiration;
  const minutes = expiry ? Math.round((expiry.getTime() - Date.now()) / 60000) : 0;
  runner.info(
    `Authenticated as ${obtained.identity.arn}` +
      (expiry ? `; the credentials expire at ${expiry.toISOString()} (in ${minutes} min)` : ''),
  );
  if (exported.variables.length > 0)
    runner.info(`Exported for later steps: ${exported.variables.join(', ')}`);
  for (const section of exported.profileSections) runner.info(`Wrote [${section.header}] to ${section.file}`);
}

/**
 * With mask-aws-account-id, the account ids written in the inputs are masked before they are parsed, so
 * not even an input error can show them.
 */
function maskAccountsEarly(runner: Runner, mask: Mask): void {
  if (!['true', 'True', 'TRUE'].includes(runner.getInput('mask-aws-account-id'))) return;
  const written = `${runner.getInput('role-to-assume')} ${runner.getInput('allowed-account-ids')}`;
  for (const [account] of written.matchAll(/\b\d{12}\b/g)) mask(account);
}

/** use-existing-credentials: the job's own identity when its credentials already work (then nothing new is fetched). */
async function existingCredentials(
  config: Config,
  env: NodeJS.ProcessEnv,
  deadline: Deadline,
  runner: Runner,
  mask: Mask,
): Promise<Obtained | undefined> {
  try {
    deadline.stage = 'checking the credentials the job already has';
    const client = createStsClient(config, 'default-chain', env, {
      onRetry: retryLogger(runner, 'STS request'),
    });
    const identity = await deadline.race(getCallerIdentity(client, deadline.signal));
    if (config.maskAccountId) mask(identity.accountId);
    runner.info(
      `use-existing-credentials: the job's credentials work (${identity.arn}); fetching no new ones`,
    );
    return { credentials: undefined, identity, roleArn: undefined };
  } catch (error) {
    deadline.check();
    runner.info(
      `use-existing-credentials: the job has no working credentials (${messageOf(error)}); getting new ones`,
    );
    return undefined;
  }
}
