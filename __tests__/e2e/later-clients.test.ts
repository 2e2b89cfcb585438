// Later steps run the AWS CLI, boto3 and the AWS SDK for JavaScript v3, and each finds credentials its own way:
// the CLI and boto3 take AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY over AWS_PROFILE, the JS SDK skips them whenever
// AWS_PROFILE is set; the CLI and boto3 read AWS_DEFAULT_REGION only, the JS SDK AWS_REGION only; an empty
// AWS_PROFILE is "profile () not found" for the CLI and boto3, an empty AWS_REGION "Region not accepted" for the
// JS SDK. Each scenario asks all three "who am I" with nothing but the job's environment and files, after our
// action (decisions.md item 8) and, for comparison, after the reference (configure-aws-credentials v6.2.3).
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runAction, runPost, useWorld, worldSecrets } from './fixture.js';
import { findLeaks } from './leaks.js';
import { CLIENTS, whoAmIEach, type ClientName, type WhoAmI } from './world/clients.js';
import type { Job } from './world/runner.js';
import { REFERENCE_ACTION, REPO_ROOT } from './world/tools.js';

const world = useWorld();

const assumedRole = (role: string, session = 'GitHubActions') =>
  `arn:aws:sts::${world().account.accountId}:assumed-role/${role}/${session}`;

/** What each client gets: an ARN it is, or a pattern its error matches. */
type Expected = Record<ClientName, string | RegExp>;

const clientsAre = (expected: Expected): WhoAmI[] =>
  CLIENTS.map((client) => {
    const want = expected[client];
    return typeof want === 'string'
      ? { client, ok: true, arn: want, error: undefined }
      : { client, ok: false, arn: undefined, error: expect.stringMatching(want) as unknown as string };
  });

/** Every client is this ARN. */
const allSee = (arn: string): WhoAmI[] => clientsAre({ 'aws-cli': arn, boto3: arn, 'js-sdk': arn });

/** Every client fails with its own error of this kind. */
const allFail = (errors: Expected): WhoAmI[] => clientsAre(errors);

/** What each client says when it finds no credentials at all: never a profile or region error. */
const NO_CREDENTIALS: Record<ClientName, RegExp> = {
  'aws-cli': /^Unable to locate credentials/,
  boto3: /^NoCredentialsError: Unable to locate credentials/,
  'js-sdk': /^CredentialsProviderError: /,
};

/** What each client says when nothing names a region. */
const NO_REGION: Record<ClientName, RegExp> = {
  'aws-cli': /^You must specify a region/,
  boto3: /^NoRegionError: /,
  'js-sdk': /^Error: Region is missing/,
};

/** AWS_PROFILE='' to the CLI and boto3 (the JS SDK takes it for unset). */
const EMPTY_PROFILE = {
  'aws-cli': /^The config profile \(\) could not be found/,
  boto3: /^ProfileNotFound: The config profile \(\) could not be found/,
};

/** AWS_REGION='' to the JS SDK (the CLI and boto3 read AWS_DEFAULT_REGION only). */
const EMPTY_REGION = { 'js-sdk': /^Error: Region not accepted: region="" is not a valid hostname component/ };

/**
 * Set to '' they break a client, and GITHUB_ENV cannot unset a variable: so none may ever be ''. AWS_PROFILE and
 * AWS_REGION as above; with AWS_DEFAULT_REGION='' the CLI and boto3 call https://sts..amazonaws.com ("Invalid
 * endpoint", which AWS_ENDPOINT_URL hides here, so only this check sees it); with AWS_CONFIG_FILE='' they read
 * no config file at all.
 */
const NEVER_EMPTY = ['AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_CONFIG_FILE'];
const emptied = (env: Record<string, string>) => NEVER_EMPTY.filter((name) => env[name] === '');

/** Who the job's clients are now, against moto. */
const whoAmI = (job: Job, options: { profile?: string } = {}) => whoAmIEach(job, world().motoUrl, options);

/** The config file later steps read holds nothing secret (the env profile prints the variables, item 8). */
function expectNoSecretInConfig(job: Job): void {
  const file = job.env.AWS_CONFIG_FILE || path.join(job.home, '.aws', 'config');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  expect(findLeaks(text, worldSecrets(world()))).toEqual([]);
}

/** Two ways an earlier step leaves AWS_PROFILE naming the user's keys before the action assumes deploy. */
const EARLIER_PROFILES: {
  earlier: string;
  profile: string;
  jobEnv: Record<string, string>;
  /** What the reference's post steps leave the clients with (it empties AWS_REGION, and its own AWS_PROFILE). */
  referenceLeaves: () => Expected;
  setUp: (job: Job, action: string) => Promise<void>;
}[] = [
  {
    earlier: 'the action with aws-profile: build and output-env-credentials: true',
    profile: 'build',
    jobEnv: {},
    referenceLeaves: () => ({ ...EMPTY_PROFILE, ...EMPTY_REGION }),
    async setUp(job, action) {
      const { account } = world();
      const step = await runAction(
        world(),
        job,
        {
          'aws-access-key-id': account.accessKeyId,
          'aws-secret-access-key': account.secretAccessKey,
          'aws-profile': 'build',
          'output-env-credentials': true,
        },
        { id: 'build', action },
      );
      expect(step.exitCode).toBe(0);
      expect(job.env.AWS_PROFILE).toBe('build');
    },
  },
  {
    earlier: 'the job env AWS_PROFILE=ci, the user`s keys in ~/.aws/credentials',
    profile: 'ci',
    jobEnv: { AWS_PROFILE: 'ci' },
    referenceLeaves: () => ({
      'aws-cli': world().account.userArn,
      boto3: world().account.userArn,
      ...EMPTY_REGION,
    }),
    async setUp(job) {
      const { account, region } = world();
      const awsDir = path.join(job.home, '.aws');
      mkdirSync(awsDir, { recursive: true });
      writeFileSync(
        path.join(awsDir, 'credentials'),
        `[ci]\naws_access_key_id = ${account.accessKeyId}\naws_secret_access_key = ${account.secretAccessKey}\n`,
      );
      writeFileSync(path.join(awsDir, 'config'), `[profile ci]\nregion = ${region}\n`);
    },
  },
];

/**
 * A job whose earlier step left AWS_PROFILE (that step by `action`, ours unless given): all three clients are
 * the user before the action runs.
 */
async function jobWithEarlierProfile(
  setup: (typeof EARLIER_PROFILES)[number],
  action: string = REPO_ROOT,
): Promise<Job> {
  const job = world().newJob({ idToken: true, env: setup.jobEnv });
  await setup.setUp(job, action);
  expect(await whoAmI(job)).toEqual(allSee(world().account.userArn));
  return job;
}

describe('later steps with the AWS CLI, boto3 and the JS SDK', () => {
  it('after GitHub OIDC: all three are the deploy session', async () => {
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    expect(step.exitCode).toBe(0);

    expect(await whoAmI(job)).toEqual(allSee(assumedRole('deploy')));
  });

  it('aws-profile (no environment variables): all three are the role with that profile, none without it', async () => {
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      'aws-profile': 'deploy',
    });
    expect(step.exitCode).toBe(0);
    expect(job.env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(job.env.AWS_PROFILE).toBeUndefined();

    expect(await whoAmI(job, { profile: 'deploy' })).toEqual(allSee(assumedRole('deploy')));
    // The region is in the profile only, so without it they stop even before looking for credentials.
    expect(await whoAmI(job)).toEqual(allFail(NO_REGION));
  });
});

describe.each(EARLIER_PROFILES)('after $earlier', (setup) => {
  /** Once every post step has run: the job's own profile works again; the action's is a region-only stub. */
  const afterPosts = () =>
    setup.jobEnv.AWS_PROFILE === undefined ? allFail(NO_CREDENTIALS) : allSee(world().account.userArn);

  // Each check puts the clients and the variables in one expectation, so a failure shows what every client got.
  it('the action assumes deploy with env credentials: all three are the deploy session, not the profile', async () => {
    const job = await jobWithEarlierProfile(setup);
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole });
    expect(step.exitCode).toBe(0);

    // The JS SDK skips the key variables while AWS_PROFILE is set: ours points it at its own env profile.
    expect({
      clients: await whoAmI(job),
      AWS_PROFILE: job.env.AWS_PROFILE,
      emptied: emptied(job.env),
    }).toEqual({
      clients: allSee(assumedRole('deploy')),
      AWS_PROFILE: 'assume-aws-role-env',
      emptied: [],
    });
    expectNoSecretInConfig(job);

    // The post steps put the earlier profile back.
    for (const post of await runPost(world(), job)) expect(post.exitCode).toBe(0);
    expect({
      clients: await whoAmI(job),
      AWS_PROFILE: job.env.AWS_PROFILE,
      emptied: emptied(job.env),
    }).toEqual({
      clients: afterPosts(),
      AWS_PROFILE: setup.profile,
      emptied: [],
    });
  });

  it('refresh-credentials: all three are the deploy session; AWS_PROFILE is never empty', async () => {
    const job = await jobWithEarlierProfile(setup);
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      'refresh-credentials': true,
    });
    expect(step.exitCode).toBe(0);

    // The refresh config's profile is [default]: naming it keeps the CLI and boto3 off "profile () not found".
    expect({
      clients: await whoAmI(job),
      AWS_PROFILE: job.env.AWS_PROFILE,
      emptied: emptied(job.env),
    }).toEqual({
      clients: allSee(assumedRole('deploy')),
      AWS_PROFILE: 'default',
      emptied: [],
    });

    for (const post of await runPost(world(), job)) expect(post.exitCode).toBe(0);
    expect({
      clients: await whoAmI(job),
      AWS_PROFILE: job.env.AWS_PROFILE,
      emptied: emptied(job.env),
    }).toEqual({
      clients: afterPosts(),
      AWS_PROFILE: setup.profile,
      emptied: [],
    });
  });

  it('role-chaining after it: the chained session is made from the deploy session, and all three are it', async () => {
    const { account } = world();
    const job = await jobWithEarlierProfile(setup);
    const first = await runAction(world(), job, { 'role-to-assume': account.deployRole }, { id: 'deploy' });
    expect(first.exitCode).toBe(0);
    world().sts.clear();

    const chain = await runAction(
      world(),
      job,
      { 'role-to-assume': account.chainedRole, 'role-chaining': true },
      { id: 'chain' },
    );
    // The key variables win over AWS_PROFILE, as in the CLI and boto3 (the profile's user may not chain).
    expect({
      requests: world().sts.requests.map((r) => [r.action, r.params.RoleArn, r.signingKeyId, r.status]),
      exitCode: chain.exitCode,
      arn: chain.outputs['authenticated-arn'],
      clients: await whoAmI(job),
      emptied: emptied(job.env),
    }).toEqual({
      requests: [['AssumeRole', account.chainedRole, first.exported.AWS_ACCESS_KEY_ID, 200]],
      exitCode: 0,
      arn: assumedRole('deploy-audit'),
      clients: allSee(assumedRole('deploy-audit')),
      emptied: [],
    });
    // The second step found AWS_PROFILE pointing at the action's own profile already, which hands out whatever
    // keys the environment has: it leaves it, and only the first step's post step puts the earlier one back.
    expect(chain.exported).not.toHaveProperty('AWS_PROFILE');
    const [chainPost, firstPost] = await runPost(world(), job);
    expect([chainPost?.exitCode, firstPost?.exitCode]).toEqual([0, 0]);
    expect(job.env.AWS_PROFILE).toBe(setup.profile);
    expect(readFileSync(path.join(job.home, '.aws', 'config'), 'utf8')).not.toContain('assume-aws-role-env');
  });
});

/** One `uses:` step of a job: the deploy role by GitHub OIDC, or the user's own access keys. */
type StepSpec = { source: 'oidc deploy' | 'user keys'; with?: Record<string, string | boolean> };

describe('after the post steps', () => {
  it.each<{ job: string; steps: StepSpec[] }>([
    { job: 'GitHub OIDC, env credentials', steps: [{ source: 'oidc deploy' }] },
    {
      job: 'access keys with aws-profile: build and output-env-credentials: true',
      steps: [{ source: 'user keys', with: { 'aws-profile': 'build', 'output-env-credentials': true } }],
    },
    {
      job: 'that, then GitHub OIDC into deploy with env credentials',
      steps: [
        { source: 'user keys', with: { 'aws-profile': 'build', 'output-env-credentials': true } },
        { source: 'oidc deploy' },
      ],
    },
    { job: 'refresh-credentials', steps: [{ source: 'oidc deploy', with: { 'refresh-credentials': true } }] },
    {
      job: 'refresh-credentials with aws-profile: ci',
      steps: [{ source: 'oidc deploy', with: { 'refresh-credentials': true, 'aws-profile': 'ci' } }],
    },
  ])('of $job: nothing is left empty, and the clients find no credentials', async ({ steps }) => {
    const { account } = world();
    const job = world().newJob({ idToken: true });
    for (const [n, { source, with: inputs }] of steps.entries()) {
      const credentials =
        source === 'user keys'
          ? { 'aws-access-key-id': account.accessKeyId, 'aws-secret-access-key': account.secretAccessKey }
          : { 'role-to-assume': account.deployRole };
      const step = await runAction(world(), job, { ...credentials, ...inputs }, { id: `step-${n + 1}` });
      expect(step.exitCode).toBe(0);
    }

    for (const post of await runPost(world(), job)) expect(post.exitCode).toBe(0);
    // A region and a profile may stay (decisions.md item 8); they just have no credentials behind them now.
    expect({ clients: await whoAmI(job), emptied: emptied(job.env) }).toEqual({
      clients: allFail(NO_CREDENTIALS),
      emptied: [],
    });
  });
});

// The reference leaves the JS SDK on the earlier profile (it never looks at AWS_PROFILE), and its post step
// empties AWS_REGION (and its own AWS_PROFILE): what decisions.md item 8 changes in ours.
describe('the reference (configure-aws-credentials v6.2.3), for comparison', () => {
  const reference = { action: REFERENCE_ACTION };

  it('after GitHub OIDC: all three are the deploy session; after its post step the JS SDK has an empty region', async () => {
    const job = world().newJob({ idToken: true });
    const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole }, reference);
    expect(step.exitCode).toBe(0);
    expect(await whoAmI(job)).toEqual(allSee(assumedRole('deploy')));

    for (const post of await runPost(world(), job)) expect(post.exitCode).toBe(0);
    expect({ clients: await whoAmI(job), emptied: emptied(job.env) }).toEqual({
      clients: clientsAre({ ...NO_CREDENTIALS, ...EMPTY_REGION }),
      emptied: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
    });
  });

  it.each(EARLIER_PROFILES)(
    'after $earlier: the CLI and boto3 are the deploy session, the JS SDK still the profile',
    async (setup) => {
      const job = await jobWithEarlierProfile(setup, REFERENCE_ACTION);
      const step = await runAction(world(), job, { 'role-to-assume': world().account.deployRole }, reference);
      expect(step.exitCode).toBe(0);

      expect({ clients: await whoAmI(job), AWS_PROFILE: job.env.AWS_PROFILE }).toEqual({
        clients: clientsAre({
          'aws-cli': assumedRole('deploy'),
          boto3: assumedRole('deploy'),
          'js-sdk': world().account.userArn,
        }),
        AWS_PROFILE: setup.profile,
      });

      for (const post of await runPost(world(), job)) expect(post.exitCode).toBe(0);
      expect(await whoAmI(job)).toEqual(clientsAre(setup.referenceLeaves()));
    },
  );
});
