import { obtainCredentials, type ObtainDeps, type Obtained } from './first-role.js';
import type { Deadline } from '../deadline.js';
import { messageOf } from '../errors.js';
import type { Mask } from '../export/exporting.js';
import type { Config } from '../inputs/config.js';
import { endpointWarning } from '../sts/network-notes.js';
import { failureLabel, type OnRetry } from '../sts/retry.js';
import { runContextOnDemand } from '../sts/run-context.js';
import { runWarnings } from '../report/run-warnings.js';
import type { Runner } from '../runner.js';
import { chooseSource, type SourceChoice, type SourceKind } from '../sources/choose.js';
import { existingSigner } from '../sources/existing.js';
import { loadSource, type SourceCredentials } from '../sources/load.js';
import { createStsClient, getCallerIdentity, stsEndpointUrl } from '../sts/client.js';
import type { HeadStart } from './head-start.js';

/** What the credential flow needs from the step, and what it counts for the summary. */
export interface StepContext {
  readonly config: Config;
  readonly env: NodeJS.ProcessEnv;
  readonly deadline: Deadline;
  readonly runner: Runner;
  readonly mask: Mask;
  readonly stats: StepStats;
  /** What the main step started before loading the flow: the STS connection, the first ID-token request. */
  readonly headStart?: HeadStart;
}

/** What the step counts for the job summary, also when it fails. */
export interface StepStats {
  retries: number;
  /** The credential source chosen, once it is. */
  source?: SourceKind;
  /** The STS endpoint, once the inputs are read. */
  endpoint?: string;
}

/** The chosen source, loaded, and what obtaining credentials from it needs. */
export interface PreparedSource {
  readonly choice: SourceChoice;
  readonly source: SourceCredentials;
  readonly deps: ObtainDeps;
}

/** Chooses one credential source (logged with the reason) and loads it. */
export function prepareSource(step: StepContext): PreparedSource {
  const { config, env, deadline, runner, mask } = step;
  const choice = chooseSource(config, env);
  step.stats.source = choice.kind;
  runner.info(`Credential source: ${choice.kind} (${choice.reason})`);
  if (choice.warning !== undefined) runner.warning(choice.warning);
  for (const warning of runWarnings(env, choice.kind)) runner.warning(warning);
  const elsewhere = endpointWarning(
    config,
    env,
    choice.kind === 'github-oidc' || choice.kind === 'token-file',
  );
  if (elsewhere !== undefined) runner.warning(elsewhere);
  const source = loadSource(choice, config, {
    getIDToken: (aud, signal) => step.headStart?.takeIdToken(aud) ?? runner.getIDToken(aud, signal),
    mask,
    onRetry: retryLogger(step, 'GitHub ID-token request'),
    signal: deadline.signal,
    env,
  });
  if (source.kind === 'web-identity') warnAssumeRoleOnlyInputs(config, runner);
  const onRetry = retryLogger(step, 'STS request');
  // A web identity assume is retried by the action itself, with a new token each time: its client tries once.
  const client =
    source.kind === 'signer'
      ? createStsClient(config, source.signer, env, { onRetry })
      : createStsClient(config, 'default-chain', env, { maxAttempts: 1 });
  // Its agent already holds the connection the main step's head start opened (src/plan/head-start.ts).
  const deps: ObtainDeps = {
    client,
    run: runContextOnDemand(env),
    signal: deadline.signal,
    endpoint: stsEndpointUrl(config, env),
    mask,
    stage: (what) => (deadline.stage = what),
    maxAttempts: config.disableRetry ? 1 : config.retryMaxAttempts,
    onRetry,
    info: (line) => runner.info(line),
    warning: (line) => runner.warning(line),
  };
  return { choice, source, deps };
}

/** The first role of role-to-assume (or the source's own identity), assumed from the prepared source. */
export async function firstRole(
  step: StepContext,
  prepared: PreparedSource,
  config: Config,
): Promise<Obtained> {
  if (config.roleToAssume !== undefined) {
    step.runner.info(
      `Assuming ${config.roleToAssume}${step.config.nextHops.length > 0 ? ` (hop 1 of ${step.config.nextHops.length + 1})` : ''} as session ${config.roleSessionName} for ${config.roleDurationSeconds} s`,
    );
  }
  return step.deadline.race(obtainCredentials(config, prepared.choice, prepared.source, prepared.deps));
}

/** use-existing-credentials: the job's own identity when its credentials already work (then nothing new is fetched). */
export async function existingCredentials(step: StepContext): Promise<Obtained | undefined> {
  const { config, env, deadline, runner, mask } = step;
  try {
    deadline.stage = 'checking the credentials the job already has';
    const client = createStsClient(config, existingSigner(env, mask), env, {
      onRetry: retryLogger(step, 'STS request'),
    });
    const identity = await deadline.race(getCallerIdentity(client, deadline.signal));
    if (config.maskAccountId) mask(identity.accountId);
    runner.info(
      `use-existing-credentials: the job's credentials work (${identity.arn}); fetching no new ones`,
    );
    return {
      credentials: undefined,
      identity,
      roleArn: undefined,
      sessionTags: undefined,
      source: 'existing',
    };
  } catch (error) {
    deadline.check();
    runner.info(
      `use-existing-credentials: the job has no working credentials (${messageOf(error)}); getting new ones`,
    );
    return undefined;
  }
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

/** Logs each retry (which request, which attempt, which failure) and counts it. */
function retryLogger(step: StepContext, request: string): OnRetry {
  return (error, failedAttempt, maxAttempts) => {
    step.stats.retries += 1;
    step.runner.info(
      `${request} attempt ${failedAttempt} of ${maxAttempts} failed (${failureLabel(error)}); trying again`,
    );
  };
}
