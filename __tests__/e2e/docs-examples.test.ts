// Every workflow in docs/examples.md and the README, run in the e2e world: each step of this action with the
// example's `with:` inputs, then the example's `aws … sts get-caller-identity` lines, then the post steps. What
// is mapped to the world, and only that: the examples' role ARNs to stand-in roles in moto (one per account and
// name, made here), `secrets.*` and literal keys in `env:` to the world user's keys, `github.*` to the emulated
// run, sts-endpoint to the world's STS, a token file's path to a file the world writes with a token of its own,
// a self-hosted runner's own credentials to keys in its environment. The stand-in roles admit every caller of
// the world (their trust policies are the subject of examples-in-moto.test.ts and the unit tests); what is checked
// here is that each example, as written, runs and gives what its text promises: the credential source, the
// identity, the variables, outputs and profiles, external ids and source identity, and what later steps see.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  callerIdentityLines,
  docExamples,
  evaluate,
  grantsIdToken,
  isTrue,
  mapRoleArns,
  outputsOf,
  roleLines,
  standInName,
  standInsIn,
  subHeadings,
  USES,
  type DocExample,
  type ExpressionContext,
  type WorkflowJob,
  type WorkflowStep,
} from './docs-examples.js';
import { runAction, runPost, useWorld, worldSecrets } from './fixture.js';
import { literally } from './hub-and-spokes.js';
import { findLeaks } from './leaks.js';
import { errorMessages, workflowCommands } from './step-checks.js';
import { GITHUB_ISSUER, GITHUB_RUN } from './world/github-run.js';
import type { ActionStep, Job } from './world/runner.js';
import { ACCOUNT_ID } from './world/seed.js';
import { REPO_ROOT } from './world/tools.js';

const world = useWorld();

const examples = docExamples();
const examplesDoc = readFileSync(path.join(REPO_ROOT, 'docs/examples.md'), 'utf8');

/** Who a session is: the world's user (keys without a role) or a session of a stand-in role. */
type Identity =
  | { readonly kind: 'user'; readonly arn: string }
  | { readonly kind: 'role'; readonly roleArn: string; readonly session: string | undefined };

function expectIdentity(arn: string | undefined, expected: Identity, what: string): void {
  if (expected.kind === 'user') {
    expect({ what, arn }).toEqual({ what, arn: expected.arn });
    return;
  }
  const [, account = '', name = ''] = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(expected.roleArn) ?? [];
  const session = expected.session === undefined ? '[\\w+=,.@-]{2,64}' : literally(expected.session);
  expect({ what, arn }).toEqual({
    what,
    arn: expect.stringMatching(
      new RegExp(`^arn:aws:sts::${account}:assumed-role/${literally(name)}/${session}$`),
    ) as unknown as string,
  });
}

/** Every stand-in role the examples name, in role-to-assume or profiles. */
function standIns(): string[] {
  const names = new Set<string>();
  for (const { workflow } of examples) {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps.filter((s) => s.uses === USES)) {
        const roles = `${step.with?.['role-to-assume'] ?? ''}\n${step.with?.profiles ?? ''}`;
        for (const name of standInsIn(roles)) names.add(name);
        const bare = step.with?.['role-to-assume']?.trim();
        if (bare !== undefined && bare !== '' && !bare.startsWith('arn:')) {
          names.add(standInName(ACCOUNT_ID, bare));
        }
      }
    }
  }
  return [...names].sort();
}

const STAND_IN_ACTIONS = ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'];
const STAND_IN_RESOURCE = `arn:aws:iam::${ACCOUNT_ID}:role/docs-*`;
const oidcHost = GITHUB_ISSUER.replace('https://', '');

beforeAll(async () => {
  const { account } = world();
  const admin = { accessKeyId: account.adminAccessKeyId, secretAccessKey: account.adminSecretAccessKey };
  const mayAssumeStandIns = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: STAND_IN_ACTIONS, Resource: STAND_IN_RESOURCE }],
  });
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: account.oidcProvider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [`${oidcHost}:aud`]: 'sts.amazonaws.com' },
          StringLike: { [`${oidcHost}:sub`]: `repo:${GITHUB_RUN.repository}:*` },
        },
      },
      // Every caller of the world: the user's keys, a runner's own, and the sessions of the other stand-ins.
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: STAND_IN_ACTIONS },
    ],
  };
  const checked = async (args: string[]): Promise<void> => {
    const result = await world().runAws(admin, args);
    if (result.exitCode !== 0) throw new Error(`aws ${args.join(' ')} failed:\n${result.stderr}`);
  };
  // The world's user (the examples' access keys and runners' own credentials) may assume the stand-ins, and so
  // may each stand-in's sessions (chains, profiles from role-to-assume's session, role-chaining).
  await checked([
    ...['iam', 'put-user-policy', '--user-name', account.userName],
    ...['--policy-name', 'docs-examples', '--policy-document', mayAssumeStandIns],
  ]);
  await Promise.all(
    standIns().map(async (name) => {
      await world().createRole(name, trust);
      await checked([
        ...['iam', 'put-role-policy', '--role-name', name],
        ...['--policy-name', 'docs-examples', '--policy-document', mayAssumeStandIns],
      ]);
    }),
  );
}, 120_000);

describe('the documentation’s workflow examples', () => {
  it('finds every example of docs/examples.md: at least one workflow under each of its headings', () => {
    const headings = subHeadings(examplesDoc);
    expect(headings.length).toBeGreaterThanOrEqual(16);
    const withWorkflow = new Set(examples.filter((e) => e.doc === 'docs/examples.md').map((e) => e.heading));
    expect(headings.filter((heading) => !withWorkflow.has(heading))).toEqual([]);
    expect(examples.length).toBeGreaterThanOrEqual(headings.length);
  });

  it('has stand-in roles to make', () => {
    expect(standIns().length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples.map((example) => [example.label, example] as const))(
    '%s runs in the world and does what it says',
    async (_, example) => {
      for (const [name, job] of Object.entries(example.workflow.jobs)) await runJob(example, name, job);
    },
  );
});

/** What an example's step of this action promises, from its inputs (as the README's rules say). */
interface Promised {
  readonly source: 'token-file' | 'static-keys' | 'existing' | 'github-oidc';
  /** Who the step's outputs and exported credentials are; undefined: none (only profiles, from a token). */
  readonly identity: Identity | undefined;
  readonly hasCredentials: boolean;
  readonly staticKeysOnly: boolean;
  /** output-env-credentials: the region (and credentials, if any) go to the environment. */
  readonly outputEnv: boolean;
  readonly envCredentials: boolean;
  readonly refresh: boolean;
  readonly profiles: ReadonlyMap<string, Identity>;
}

/** The state of a job as its steps run: the values expressions take, and who each way of asking is. */
interface JobState {
  readonly job: Job;
  readonly grantsIdToken: boolean;
  readonly context: ExpressionContext & {
    steps: Record<string, { outputs: Record<string, string> }>;
  };
  /** Who the job's environment is (undefined: it has no credentials). */
  env: Identity | undefined;
  readonly profiles: Map<string, Identity>;
  readonly stepIdentities: Map<string, Identity>;
  ourSteps: number;
  callerChecks: number;
}

/** env values as the example writes them, with literal AWS keys (LocalStack's dummies) the world user's. */
function mappedEnv(
  env: Readonly<Record<string, string>> | undefined,
  context: ExpressionContext,
): Record<string, string> {
  const { account } = world();
  const literalKeys: Record<string, string> = {
    AWS_ACCESS_KEY_ID: account.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
  };
  return Object.fromEntries(
    Object.entries(env ?? {}).map(([name, value]) => [
      name,
      name in literalKeys && !value.includes('${{') ? (literalKeys[name] ?? '') : evaluate(value, context),
    ]),
  );
}

async function runJob(example: DocExample, name: string, job: WorkflowJob): Promise<void> {
  const { account } = world();
  const runsOn = ([] as string[]).concat(job['runs-on']);
  const selfHosted = runsOn.includes('self-hosted');
  const granted = grantsIdToken(job.permissions ?? example.workflow.permissions);
  const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
  const context = {
    github: {
      run_id: GITHUB_RUN.runId,
      run_attempt: GITHUB_RUN.runAttempt,
      run_number: GITHUB_RUN.runNumber,
      actor: GITHUB_RUN.actor,
      repository: GITHUB_RUN.repository,
      sha: GITHUB_RUN.sha,
      ref: GITHUB_RUN.ref,
      ref_name: GITHUB_RUN.refName,
      job: GITHUB_RUN.job,
      workflow: GITHUB_RUN.workflow,
    },
    secrets: { AWS_ACCESS_KEY_ID: account.accessKeyId, AWS_SECRET_ACCESS_KEY: account.secretAccessKey },
    steps: {},
  };
  const env = mappedEnv({ ...example.workflow.env, ...job.env }, context);
  const ours = job.steps.filter((step) => step.uses === USES);
  expect({ job: name, stepsOfThisAction: ours.length > 0 }).toEqual({ job: name, stepsOfThisAction: true });
  // A self-hosted runner's own credentials (an instance profile, ~/.aws): the world user's keys in the job's
  // environment, for an example whose first step uses the job's credentials. A GitHub-hosted runner has none.
  const runnerCredentials =
    selfHosted &&
    env.AWS_ACCESS_KEY_ID === undefined &&
    sourceOf(ours[0]?.with ?? {}, granted) === 'existing';
  const state: JobState = {
    job: world().newJob({
      idToken: granted ? (environment === undefined ? true : { environment }) : false,
      env: {
        ...env,
        ...(selfHosted && { RUNNER_ENVIRONMENT: 'self-hosted' }),
        ...(runnerCredentials && {
          AWS_ACCESS_KEY_ID: account.accessKeyId,
          AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
        }),
      },
    }),
    grantsIdToken: granted,
    context,
    env:
      runnerCredentials || env.AWS_ACCESS_KEY_ID !== undefined
        ? { kind: 'user', arn: account.userArn }
        : undefined,
    profiles: new Map(),
    stepIdentities: new Map(),
    ourSteps: 0,
    callerChecks: 0,
  };

  for (const step of job.steps) {
    if (step.uses === USES) await runOurStep(state, step);
    else if (step.run !== undefined) await runScript(state, step);
    // Other actions (actions/checkout) have nothing to do in this world.
  }
  // No `aws sts get-caller-identity` in the example: the AWS CLI, as a later step would use it.
  if (state.callerChecks === 0 && state.env !== undefined) {
    await callerIdentity(state, ['aws', 'sts', 'get-caller-identity'], {}, state.env);
  }
  const posts = await runPost(world(), state.job);
  expect(posts.map((post) => ({ exitCode: post.exitCode, errors: errorMessages(post) }))).toEqual(
    posts.map(() => ({ exitCode: 0, errors: [] })),
  );
}

/** The credential source the action picks for these inputs (the README's "How the credential source is chosen"). */
function sourceOf(inputs: Readonly<Record<string, string>>, grantsToken: boolean): Promised['source'] {
  if (inputs['web-identity-token-file']) return 'token-file';
  if (inputs['aws-access-key-id']) return 'static-keys';
  if (isTrue(inputs['role-chaining'])) return 'existing';
  if (!inputs['role-to-assume'] && !inputs.profiles) return 'existing';
  if (grantsToken && !isTrue(inputs['force-skip-oidc'])) return 'github-oidc';
  return 'existing';
}

function promised(inputs: Readonly<Record<string, string>>, state: JobState): Promised {
  const { account } = world();
  const source = sourceOf(inputs, state.grantsIdToken);
  const sessionName =
    inputs['role-session-name'] || (inputs['role-session-name-template'] ? undefined : 'GitHubActions');
  const roleIdentity = (line: { role: string; sessionName: string | undefined }): Identity => ({
    kind: 'role',
    roleArn: line.role,
    session: line.sessionName ?? sessionName,
  });
  const chain = roleLines(inputs['role-to-assume']);
  const last = chain.at(-1);
  const keys = Boolean(inputs['aws-access-key-id']);
  const identity: Identity | undefined =
    last !== undefined
      ? roleIdentity(last)
      : keys
        ? { kind: 'user', arn: account.userArn }
        : inputs.profiles
          ? undefined
          : state.env;
  const hasCredentials = last !== undefined || keys;
  const awsProfile = inputs['aws-profile'] || undefined;
  const outputEnv =
    inputs['output-env-credentials'] === undefined || inputs['output-env-credentials'] === ''
      ? awsProfile === undefined
      : isTrue(inputs['output-env-credentials']);
  const refresh = isTrue(inputs['refresh-credentials']);
  const profiles = new Map<string, Identity>(
    roleLines(inputs.profiles, { profiles: true }).map((line) => [line.profile ?? '', roleIdentity(line)]),
  );
  if (awsProfile !== undefined && identity !== undefined) profiles.set(awsProfile, identity);
  return {
    source,
    identity,
    hasCredentials,
    staticKeysOnly: keys && last === undefined,
    outputEnv,
    envCredentials: outputEnv && !refresh && hasCredentials,
    refresh,
    profiles,
  };
}

/** The example's inputs with what the world needs: stand-in roles, the world's STS, a token file of its own. */
function worldInputs(written: Readonly<Record<string, string>>, state: JobState): Record<string, string> {
  const inputs = Object.fromEntries(
    Object.entries(written).map(([name, value]) => [name, evaluate(value, state.context)]),
  );
  for (const name of ['role-to-assume', 'profiles'] as const) {
    if (inputs[name] !== undefined) inputs[name] = mapRoleArns(inputs[name], ACCOUNT_ID);
  }
  const role = inputs['role-to-assume']?.trim();
  if (role && !role.includes('\n') && !role.startsWith('arn:')) {
    inputs['role-to-assume'] = standInName(ACCOUNT_ID, role);
  }
  if (inputs['allowed-account-ids'] !== undefined) {
    inputs['allowed-account-ids'] = inputs['allowed-account-ids'].replace(/\b\d{12}\b/g, ACCOUNT_ID);
  }
  // The stand-ins are in the `aws` partition: a region of another one becomes the world's.
  if (inputs['aws-region'] !== undefined && /^(cn|us-gov|us-iso[a-z]*)-/.test(inputs['aws-region'])) {
    inputs['aws-region'] = world().region;
  }
  inputs['sts-endpoint'] = world().stsEndpoint;
  return inputs;
}

/** Writes a token from the world's issuer where the example's token file is (under the job's root if absolute). */
async function writeTokenFile(job: Job, written: string): Promise<string> {
  const file = path.isAbsolute(written)
    ? path.join(job.root, 'filesystem', written)
    : path.join(job.workspace, written);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${await world().oidc.issue('sts.amazonaws.com')}\n`);
  return path.isAbsolute(written) ? file : written;
}

async function runOurStep(state: JobState, step: WorkflowStep): Promise<void> {
  const { job } = state;
  const id = step.id ?? `step-${++state.ourSteps}`;
  const written = step.with ?? {};
  const promise = promised(evaluated(written, state), state);
  const inputs = worldInputs(written, state);
  if (inputs['web-identity-token-file']) {
    inputs['web-identity-token-file'] = await writeTokenFile(job, inputs['web-identity-token-file']);
  }
  const before = world().sts.requests.length;
  const stepEnv = mappedEnv(step.env, state.context);
  const result = await runAction(world(), job, inputs, { id, env: stepEnv });
  const requests = world().sts.requests.slice(before);

  expect({ id, exitCode: result.exitCode, errors: errorMessages(result) }).toEqual({
    id,
    exitCode: 0,
    errors: [],
  });
  expect(result.log).toContain(`Credential source: ${promise.source} (`);
  expect(warnings(result)).toEqual([]);

  // Who the step says it is.
  if (promise.identity !== undefined) {
    expectIdentity(
      result.outputs['authenticated-arn'],
      mapIdentity(promise.identity),
      `${id} authenticated-arn`,
    );
    expect(result.outputs['aws-account-id']).toBe(ACCOUNT_ID);
  } else {
    expect(result.outputs['authenticated-arn']).toBeUndefined();
  }

  // What later steps get in the environment.
  const exported = result.exported;
  if (promise.refresh) {
    expect(exported.AWS_CONFIG_FILE?.startsWith(job.runnerTemp)).toBe(true);
    expect(exported.AWS_ACCESS_KEY_ID || undefined).toBeUndefined();
  } else if (promise.envCredentials) {
    expect(exported.AWS_ACCESS_KEY_ID).toMatch(
      promise.staticKeysOnly ? new RegExp(`^${world().account.accessKeyId}$`) : /^ASIA/,
    );
    expect(exported.AWS_SECRET_ACCESS_KEY).toBeTruthy();
    if (!promise.staticKeysOnly) expect(exported.AWS_SESSION_TOKEN).toBeTruthy();
  } else {
    expect(exported.AWS_ACCESS_KEY_ID).toBeUndefined();
  }
  expect(exported.AWS_REGION).toBe(promise.outputEnv || promise.refresh ? inputs['aws-region'] : undefined);
  if (inputs['profile-location'] === 'job') {
    expect(exported.AWS_SHARED_CREDENTIALS_FILE?.startsWith(job.runnerTemp)).toBe(true);
    expect(exported.AWS_CONFIG_FILE?.startsWith(job.runnerTemp)).toBe(true);
  }

  // Outputs.
  if (isTrue(inputs['output-credentials']) && promise.hasCredentials) {
    expect(result.outputs['aws-access-key-id']).toBeTruthy();
    expect(result.outputs['aws-secret-access-key']).toBeTruthy();
    if (!promise.staticKeysOnly) expect(result.outputs['aws-session-token']).toBeTruthy();
  } else {
    expect(result.outputs['aws-access-key-id']).toBeUndefined();
  }

  // External ids and the source identity reached STS, each on the AssumeRole of its role.
  const assumed = requests.filter((request) => request.action === 'AssumeRole');
  const externalIds = [
    ...roleLines(inputs['role-to-assume']).map((line, index) => ({
      role: line.role,
      // role-external-id is for the first role, and only with AssumeRole (a web identity token takes none).
      externalId:
        line.externalId ??
        (index === 0 && (promise.source === 'static-keys' || promise.source === 'existing')
          ? inputs['role-external-id'] || undefined
          : undefined),
    })),
    ...roleLines(inputs.profiles, { profiles: true }).map((line) => ({
      role: line.role,
      externalId: line.externalId,
    })),
  ].filter((line) => line.externalId !== undefined);
  for (const { role, externalId } of externalIds) {
    const sent = assumed.filter((request) => request.params.RoleArn === role).map((r) => r.params.ExternalId);
    expect({ role, sent }).toEqual({ role, sent: [externalId] });
  }
  if (inputs['role-source-identity']) {
    expect(assumed.map((request) => request.params.SourceIdentity)).toContain(inputs['role-source-identity']);
  }

  // Who later steps are: through the environment, each profile, and this step's outputs.
  if (promise.identity !== undefined) state.stepIdentities.set(id, mapIdentity(promise.identity));
  if (promise.envCredentials || promise.refresh) state.env = mapIdentity(promise.identity as Identity);
  for (const [profile, identity] of promise.profiles) {
    state.profiles.set(profile, mapIdentity(identity));
    await callerIdentity(
      state,
      ['aws', '--profile', profile, 'sts', 'get-caller-identity'],
      {},
      mapIdentity(identity),
      false,
    );
  }
  state.context.steps[id] = { outputs: result.outputs };
}

/** The example's inputs with expressions evaluated, before any mapping. */
function evaluated(written: Readonly<Record<string, string>>, state: JobState): Record<string, string> {
  return Object.fromEntries(
    Object.entries(written).map(([name, value]) => [name, evaluate(value, state.context)]),
  );
}

/** An identity as the world has it: a role ARN of an example becomes its stand-in's. */
function mapIdentity(identity: Identity): Identity {
  if (identity.kind === 'user') return identity;
  const roleArn = identity.roleArn.startsWith('arn:')
    ? mapRoleArns(identity.roleArn, ACCOUNT_ID)
    : `arn:aws:iam::${ACCOUNT_ID}:role/${standInName(ACCOUNT_ID, identity.roleArn)}`;
  return { ...identity, roleArn };
}

/** The `::warning::` lines of a step. */
function warnings(step: ActionStep): string[] {
  return workflowCommands(step.log)
    .filter(({ name }) => name === 'warning')
    .map(({ value }) => value);
}

async function runScript(state: JobState, step: WorkflowStep): Promise<void> {
  const stepEnv = mappedEnv(step.env, state.context);
  // Credentials the step passes itself, from a step's outputs: who that step is.
  const fromOutputs = outputsOf(step.env?.AWS_ACCESS_KEY_ID ?? '');
  for (const line of callerIdentityLines(step.run ?? '')) {
    const argv = evaluate(line, state.context).split(/\s+/);
    expect(argv.filter((word) => /["']/.test(word))).toEqual([]);
    const profile = argv[argv.indexOf('--profile') + 1];
    const expected =
      fromOutputs !== undefined
        ? state.stepIdentities.get(fromOutputs)
        : argv.includes('--profile')
          ? state.profiles.get(profile ?? '')
          : state.env;
    if (expected === undefined) throw new Error(`"${line}" runs with no credentials the example gave it`);
    await callerIdentity(state, argv, stepEnv, expected);
  }
}

/**
 * A `run:` step with the AWS CLI against moto (the example's own --endpoint-url becomes moto's): it succeeds and
 * is the expected identity.
 */
async function callerIdentity(
  state: JobState,
  argv: string[],
  env: Record<string, string>,
  expected: Identity,
  count = true,
): Promise<void> {
  const { motoUrl } = world();
  const endpoint = argv.indexOf('--endpoint-url');
  const command = argv.map((word, index) => (endpoint >= 0 && index === endpoint + 1 ? motoUrl : word));
  const ran = await state.job.run([...command, '--output', 'json'], {
    env: { AWS_ENDPOINT_URL: motoUrl, ...env },
  });
  expect(findLeaks(`${ran.stdout}\n${ran.stderr}`, worldSecrets(world()))).toEqual([]);
  const what = argv.join(' ');
  const failed = ran.exitCode === 0 ? {} : { stderr: ran.stderr.trim() };
  expect({ what, exitCode: ran.exitCode, ...failed }).toEqual({ what, exitCode: 0 });
  expectIdentity((JSON.parse(ran.stdout) as { Arn?: string }).Arn, expected, what);
  if (count) state.callerChecks += 1;
}
