import { obtainCredentials } from './assume.js';
import { Deadline } from './deadline.js';
import { messageOf, redact } from './errors.js';
import { exportCredentials, type Mask } from './exporting.js';
import { readConfig, SECRET_INPUTS, type Config } from './inputs.js';
import { arnAccount } from './partition.js';
import { checkProfileWritable } from './profile-files.js';
import { currentRun } from './run-context.js';
import { actionsRunner, type Runner } from './runner.js';
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
    // Secret inputs are masked before anything, even a validation error, could print them.
    for (const name of SECRET_INPUTS) mask(runner.getInput(name));

    // Every input is checked before the first network call.
    const config = readConfig((name) => runner.getInput(name), env);
    if (config.maskAccountId && config.roleToAssume?.startsWith('arn:'))
      mask(arnAccount(config.roleToAssume));
    if (config.awsProfile !== undefined)
      checkProfileWritable(config.awsProfile, env, config.overwriteAwsProfile);
    deadline = new Deadline(config.actionTimeoutSeconds);

    if (config.unsetCurrentCredentials) {
      // Only this process forgets them; later steps get the new credentials, or keep the old ones on failure.
      for (const name of CREDENTIAL_VARIABLES) delete env[name];
      runner.info('unset-current-credentials: ignoring the AWS credentials already in the environment');
    }

    if (config.useExistingCredentials && (await existingCredentialsWork(config, env, deadline, runner)))
      return;

    // One credential source, chosen explicitly and logged.
    const choice = chooseSource(config, env);
    runner.info(`Credential source: ${choice.kind} (${choice.reason})`);
    const source = await deadline.race(
      loadSource(choice, config, { getIDToken: (aud) => runner.getIDToken(aud), mask }),
    );

    if (config.roleToAssume !== undefined) {
      runner.info(
        `Assuming ${config.roleToAssume} as session ${config.roleSessionName} for ${config.roleDurationSeconds} s`,
      );
    }
    if (config.roleExternalId !== undefined && source.kind === 'web-identity') {
      runner.warning(
        'role-external-id is ignored: STS takes an external id only with AssumeRole, not with a web identity token',
      );
    }
    const client = createStsClient(config, source.kind === 'signer' ? source.signer : 'default-chain', env);
    const obtained = await deadline.race(
      obtainCredentials(config, choice, source, {
        client,
        run: currentRun(env),
        signal: deadline.signal,
        endpoint: stsEndpointUrl(config),
        info: (line) => runner.info(line),
        warning: (line) => runner.warning(line),
      }),
    );
    deadline.check();

    const exported = exportCredentials(obtained, config, { runner, mask, env });
    const expiry = obtained.credentials?.expiration;
    runner.info(
      `Authenticated as ${obtained.identity.arn}` +
        (expiry
          ? `; the credentials expire at ${expiry.toISOString()} (in ${Math.round((expiry.getTime() - Date.now()) / 60000)} min)`
          : ''),
    );
    if (exported.variables.length > 0)
      runner.info(`Exported for later steps: ${exported.variables.join(', ')}`);
    for (const section of exported.profileSections)
      runner.info(`Wrote [${section.header}] to ${section.file}`);
  } catch (error) {
    runner.setFailed(redact(messageOf(error), secrets));
    if (runner.isDebug() && error instanceof Error && error.stack) runner.debug(redact(error.stack, secrets));
  } finally {
    deadline?.clear();
  }
}

/** use-existing-credentials: true when the job's credentials already work, so nothing new is fetched. */
async function existingCredentialsWork(
  config: Config,
  env: NodeJS.ProcessEnv,
  deadline: Deadline,
  runner: Runner,
): Promise<boolean> {
  try {
    const client = createStsClient(config, 'default-chain', env);
    const identity = await deadline.race(getCallerIdentity(client, deadline.signal));
    runner.info(
      `use-existing-credentials: the job's credentials work (${identity.arn}); fetching no new ones`,
    );
    return true;
  } catch (error) {
    deadline.check();
    runner.info(
      `use-existing-credentials: the job has no working credentials (${messageOf(error)}); getting new ones`,
    );
    return false;
  }
}
