// The reference's own unit-test cases (configure-aws-credentials v6.2.3, test/index.test.ts), replayed black-box:
// one scenario per case, run by both actions in the same world. Its fake role and account are the world's
// seeded ones, its keys the seeded user's, its GITHUB_* values the job's (pull_request ones where it uses
// them). Cases that mock an SDK client (loadCredentials, client config) become the fault or environment
// that produces the same situation. Each case names the differences (sameness-differences.ts) it shows.
import type { Scenario, Side } from './both.js';
import { FORWARD_PROXY } from './both.js';
import type { DifferenceId } from './sameness-differences.js';
import type { Fault } from './world/recording-proxy.js';
import { CUSTOM_AUDIENCE } from './world/seed.js';
import type { World } from './world/world.js';

/** What a case's scenario is made from: the world, and a session of the deploy role for chaining. */
export interface CaseContext {
  readonly world: World;
  /** A deploy-role session (GitHubActions), as an earlier step leaves it in the environment. */
  readonly session: { AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string; AWS_SESSION_TOKEN: string };
}

export interface SamenessCase {
  /** The reference's test name (or what it checks, where it has none). */
  readonly name: string;
  readonly scenario: (context: CaseContext) => Scenario | Promise<Scenario>;
  readonly differences?: readonly DifferenceId[];
  /** Applied to both sides before comparing, for what is luck rather than behaviour. */
  readonly project?: (side: Side) => void;
}

// The differences every successful run with temporary credentials in the environment shows, and with the
// long-term keys themselves (whose AWS_SESSION_TOKEN the reference's post step empties all the same).
const TEMPORARY: readonly DifferenceId[] = [
  'reference-extra-GetCallerIdentity',
  'AWS_CREDENTIAL_EXPIRATION-exported',
  'AWS_SDK_UA_APP_ID-exported',
  'post-keeps-region',
];
const LONG_TERM: readonly DifferenceId[] = [
  'AWS_SDK_UA_APP_ID-exported',
  'post-keeps-region',
  'post-undoes-only-own-exports',
];
/** Both refuse the step before exporting anything; the reference's post step empties its variables anyway. */
const BOTH_REFUSE: readonly DifferenceId[] = ['post-undoes-only-own-exports'];
/** Both fail, the reference after exporting the region and the source keys (and checking them). */
const REFERENCE_FAILS_LATE: readonly DifferenceId[] = [
  'reference-extra-GetCallerIdentity',
  'all-or-nothing-on-failure',
  'post-undoes-only-own-exports',
];

/** The reference's mocks.envs run context, on a pull request. */
const PULL_REQUEST: Readonly<Record<string, string>> = {
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_REF: 'refs/pull/42/merge',
  GITHUB_BASE_REF: 'main',
  GITHUB_HEAD_REF: 'feature-branch',
  GITHUB_ACTOR: 'octocat[bot]',
  GITHUB_TRIGGERING_ACTOR: 'octocat[bot]',
};

const keys = ({ account }: World) => ({
  'aws-access-key-id': account.accessKeyId,
  'aws-secret-access-key': account.secretAccessKey,
});
const keysAndRole = (world: World) => ({ ...keys(world), 'role-to-assume': world.account.deployRole });
/**
 * With retry-max-attempts 1, as the reference's own custom-tags cases: it retries a failed assume step, its own
 * input checks included, 12 times with backoff (minutes). For every case where the reference fails there.
 */
const keysAndRoleOnce = (world: World) => ({ ...keysAndRole(world), 'retry-max-attempts': 1 });
const oidc = (world: World, inputs: Scenario['inputs'] = {}): Scenario => ({
  idToken: true,
  inputs: { 'role-to-assume': world.account.deployRole, ...inputs },
});
const tokenFile = async (world: World, inputs: Scenario['inputs'] = {}): Promise<Scenario> => ({
  files: { 'file.txt': await world.oidc.issue('sts.amazonaws.com') },
  inputs: { 'role-to-assume': world.account.deployRole, 'web-identity-token-file': 'file.txt', ...inputs },
});
const chained = ({ world }: CaseContext) => ({
  'role-to-assume': world.account.chainedRole,
  'role-chaining': true,
});
const customTags = (count: number) =>
  JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, n) => [`Custom${n}`, `value${n}`])));
const throttled = (action: string): Fault => ({
  kind: 'error',
  status: 400,
  code: 'Throttling',
  message: 'Rate exceeded',
  action,
});
/** A GetCallerIdentity answer for these keys, served instead of moto's. */
const callerIdentityAnswer = (account: string, arn: string): Fault => ({
  kind: 'body',
  status: 200,
  action: 'GetCallerIdentity',
  body:
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
    `<Arn>${arn}</Arn><UserId>AIDAQQQQQQQQQQQQQQQQQ</UserId><Account>${account}</Account>` +
    '</GetCallerIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
});

/** A proxy address nothing listens on: a request sent there fails. */
const DEAD_PROXY = 'http://127.0.0.1:9';

/** An STS answer with credentials whose secret key has special characters (they never sign anything). */
const SPECIAL_CHARACTER_ANSWER: Fault = {
  kind: 'body',
  status: 200,
  action: 'AssumeRoleWithWebIdentity',
  body:
    '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
    '<Credentials><AccessKeyId>ASIAQQQQQQQQQQQQQQQQ</AccessKeyId><SecretAccessKey>sp3cial/chars+in/this+secret/key/0123456</SecretAccessKey>' +
    '<SessionToken>FQoGZXIvYXdzEBYaDspecialcharacterssessiontoken</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>' +
    '<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions</Arn><AssumedRoleId>AROAQQQQQQQQQQQQQQQQQ:GitHubActions</AssumedRoleId></AssumedRoleUser>' +
    '</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>',
};

/**
 * moto's secret keys are random, some with + or /: how many sessions either action had to throw away is luck,
 * so a run of identical requests counts once.
 */
const collapseRepeats = (side: Side): void => {
  side.sts = side.sts.filter(
    (call, n) => n === 0 || JSON.stringify(call) !== JSON.stringify(side.sts[n - 1]),
  );
};

export const CASES: Readonly<Record<string, readonly SamenessCase[]>> = {
  'GitHub OIDC Authentication': [
    {
      name: 'exports environment variables',
      scenario: ({ world }) => oidc(world),
      differences: TEMPORARY,
    },
    {
      // retry-max-attempts bounds ours (the reference ignores it here): 40 makes 12 unlucky keys in a row moot.
      name: 'handles the special character workaround',
      scenario: ({ world }) => ({
        ...oidc(world, { 'special-characters-workaround': true, 'retry-max-attempts': 40 }),
        faults: [SPECIAL_CHARACTER_ANSWER],
      }),
      differences: TEMPORARY,
      project: collapseRepeats,
    },
    {
      name: 'special character workaround when every session has special characters',
      scenario: ({ world }) => ({
        ...oidc(world, { 'special-characters-workaround': true, 'retry-max-attempts': 2 }),
        faults: [SPECIAL_CHARACTER_ANSWER, SPECIAL_CHARACTER_ANSWER],
      }),
      differences: ['special-characters-workaround-bounded'],
    },
  ],

  'IAM User Authentication': [
    {
      name: 'exports environment variables',
      scenario: ({ world }) => ({ inputs: keys(world) }),
      differences: LONG_TERM,
    },
  ],

  'AssumeRole with IAM LTC': [
    {
      name: 'exports environment variables',
      scenario: ({ world }) => ({ inputs: keysAndRole(world) }),
      differences: TEMPORARY,
    },
    {
      // disable-retry: the reference would retry its doomed AssumeRole 12 times, backing off.
      name: 'output-env-credentials=false: does not validate against ambient credentials',
      scenario: ({ world }) => ({
        inputs: {
          ...keysAndRole(world),
          'output-env-credentials': false,
          'output-credentials': true,
          'disable-retry': true,
        },
      }),
      differences: ['keys-sign-assume-role-without-env'],
    },
    {
      // Not in the reference's tests: decisions.md #8 (an earlier step's AWS_PROFILE).
      name: 'an earlier step left AWS_PROFILE',
      scenario: ({ world }) => ({
        inputs: { ...keysAndRole(world), 'disable-retry': true },
        jobEnv: { AWS_PROFILE: 'tooling' },
        files: { '~/.aws/config': '[profile tooling]\nregion = eu-west-1\n' },
      }),
      differences: ['env-credentials-win-over-earlier-profile'],
    },
  ],

  'AssumeRole with WebIdentityTokenFile': [
    {
      name: 'exports environment variables',
      scenario: ({ world }) => tokenFile(world),
      differences: TEMPORARY,
    },
    {
      name: 'does not send Tags or TransitiveTagKeys to AssumeRoleWithWebIdentity',
      scenario: ({ world }) => tokenFile(world, { 'transitive-tag-keys': 'Repository' }),
      differences: TEMPORARY,
    },
    {
      // A linked folder could point the action at another file: both refuse it (the file itself too).
      name: 'refuses a token file in a symbolically linked folder',
      scenario: async ({ world }) => ({
        files: { 'real/token': await world.oidc.issue('sts.amazonaws.com') },
        links: { tokens: 'real' },
        inputs: {
          'role-to-assume': world.account.deployRole,
          'web-identity-token-file': 'tokens/token',
          'retry-max-attempts': 1,
        },
      }),
      differences: ['all-or-nothing-on-failure', 'post-undoes-only-own-exports'],
    },
  ],

  'Assume existing role': [
    {
      name: 'exports environment variables from env variables',
      scenario: (context) => ({ jobEnv: context.session, inputs: chained(context) }),
      differences: TEMPORARY,
    },
    {
      name: 'exports environment variables from inputs',
      scenario: (context) => ({
        inputs: {
          ...chained(context),
          'aws-access-key-id': context.session.AWS_ACCESS_KEY_ID,
          'aws-secret-access-key': context.session.AWS_SECRET_ACCESS_KEY,
          'aws-session-token': context.session.AWS_SESSION_TOKEN,
        },
      }),
      differences: TEMPORARY,
    },
    {
      // Not in the reference's tests: AWS_PROFILE names the user's keys, the earlier step's session keys are in
      // the environment too. disable-retry: the reference would retry its refused AssumeRole 12 times.
      name: 'environment keys beside an AWS_PROFILE',
      scenario: (context) => ({
        inputs: { ...chained(context), 'disable-retry': true },
        jobEnv: { ...context.session, AWS_PROFILE: 'tooling' },
        files: {
          '~/.aws/credentials': `[tooling]\naws_access_key_id = ${context.world.account.accessKeyId}\naws_secret_access_key = ${context.world.account.secretAccessKey}\n`,
        },
      }),
      differences: ['chaining-signs-with-environment-keys'],
    },
  ],

  'Default session tags': [
    {
      name: 'emits exactly the expected default tag set with no custom-tags',
      scenario: ({ world }) => ({ inputs: keysAndRole(world), jobEnv: PULL_REQUEST }),
      differences: TEMPORARY,
    },
    {
      // A job cannot unset a runner variable; empty is what an unset one reads as to both.
      name: 'omits droppable tags whose env vars are unset',
      scenario: ({ world }) => ({
        inputs: keysAndRole(world),
        jobEnv: { ...PULL_REQUEST, GITHUB_BASE_REF: '', GITHUB_HEAD_REF: '', GITHUB_TRIGGERING_ACTOR: '' },
      }),
      differences: TEMPORARY,
    },
    {
      name: 'drops droppable tags and retries on PackedPolicyTooLargeException',
      scenario: ({ world }) => ({
        inputs: keysAndRole(world),
        jobEnv: PULL_REQUEST,
        faults: [{ kind: 'error', status: 400, code: 'PackedPolicyTooLarge', action: 'AssumeRole' }],
      }),
      differences: TEMPORARY,
    },
    {
      name: 'sanitizes invalid characters in env-derived tag values',
      scenario: ({ world }) => ({
        inputs: keysAndRole(world),
        jobEnv: { ...PULL_REQUEST, GITHUB_HEAD_REF: 'feature/has spaces&bad?chars' },
      }),
      differences: TEMPORARY,
    },
    {
      name: 'truncates env-derived tag values longer than 256 characters',
      scenario: ({ world }) => ({
        inputs: keysAndRole(world),
        jobEnv: { ...PULL_REQUEST, GITHUB_HEAD_REF: 'a'.repeat(300) },
      }),
      differences: TEMPORARY,
    },
    {
      // Not in the reference's tests: a branch name of letters outside the BMP (two UTF-16 units each).
      name: 'truncates by characters, not UTF-16 units',
      scenario: ({ world }) => ({
        inputs: keysAndRoleOnce(world),
        jobEnv: { ...PULL_REQUEST, GITHUB_HEAD_REF: `x${'𝒜'.repeat(300)}` },
      }),
      differences: ['tag-values-cut-by-character'],
    },
  ],

  'Custom Tags': [
    {
      name: 'rejects invalid JSON in custom tags',
      scenario: ({ world }) => ({ inputs: { ...keysAndRoleOnce(world), 'custom-tags': 'not a json' } }),
      differences: REFERENCE_FAILS_LATE,
    },
    {
      name: 'handles valid custom tags',
      scenario: ({ world }) => ({
        inputs: {
          ...keysAndRole(world),
          'custom-tags': JSON.stringify({ Environment: 'Production', Team: 'DevOps' }),
        },
        jobEnv: PULL_REQUEST,
      }),
      differences: TEMPORARY,
    },
    {
      name: 'numbers and booleans as custom tag values',
      scenario: ({ world }) => ({
        inputs: { ...keysAndRole(world), 'custom-tags': JSON.stringify({ Replicas: 3, Canary: true }) },
      }),
      differences: TEMPORARY,
    },
    {
      name: 'rejects array input for custom tags',
      scenario: ({ world }) => ({ inputs: { ...keysAndRoleOnce(world), 'custom-tags': '[1, 2, 3]' } }),
      differences: REFERENCE_FAILS_LATE,
    },
    ...[
      ['conflict with protected session tags', { Repository: 'evil-repo' }],
      ['invalid key characters', { 'invalid{key}': 'value' }],
      ['conflict with droppable tag keys', { EventName: 'workflow_dispatch', BaseRef: 'release/2026' }],
      ['conflict with the protected Branch tag', { Branch: 'evil-branch' }],
    ].map(([what, tags]): SamenessCase => ({
      name: `rejects custom tags with ${String(what)}`,
      scenario: ({ world }) => ({
        inputs: { ...keysAndRoleOnce(world), 'custom-tags': JSON.stringify(tags) },
      }),
      differences: REFERENCE_FAILS_LATE,
    })),
    {
      name: 'warns when custom tags are used with OIDC',
      scenario: ({ world }) => oidc(world, { 'custom-tags': JSON.stringify({ MyTag: 'value' }) }),
      differences: TEMPORARY,
    },
    {
      // 13 run tags + 38 = 51.
      name: 'rejects custom-tags that would exceed the session-tag limit',
      scenario: ({ world }) => ({
        inputs: { ...keysAndRoleOnce(world), 'custom-tags': customTags(38) },
        jobEnv: PULL_REQUEST,
      }),
      differences: ['tag-limit-cuts-optional-tags'],
    },
    {
      name: 'allows custom-tags up to the session-tag limit',
      scenario: ({ world }) => ({
        inputs: { ...keysAndRole(world), 'custom-tags': customTags(37) },
        jobEnv: PULL_REQUEST,
      }),
      differences: TEMPORARY,
    },
    {
      name: '43 custom-tags, the most that fit beside the 7 standard tags',
      scenario: ({ world }) => ({ inputs: { ...keysAndRoleOnce(world), 'custom-tags': customTags(43) } }),
      differences: ['tag-limit-cuts-optional-tags'],
    },
    {
      name: '44 custom-tags',
      scenario: ({ world }) => ({ inputs: { ...keysAndRoleOnce(world), 'custom-tags': customTags(44) } }),
      differences: REFERENCE_FAILS_LATE,
    },
  ],

  'Odd inputs': [
    {
      name: 'fails when github env vars are missing',
      scenario: ({ world }) => ({
        inputs: keysAndRoleOnce(world),
        jobEnv: { GITHUB_REPOSITORY: '', GITHUB_SHA: '' },
      }),
      differences: ['missing-run-variables-tolerated'],
    },
    {
      name: 'does not fail if GITHUB_REF is missing',
      scenario: ({ world }) => ({ inputs: keys(world), jobEnv: { GITHUB_REF: '' } }),
      differences: LONG_TERM,
    },
    {
      name: 'fails with an invalid region',
      scenario: () => ({ inputs: { 'aws-region': '$|<1B1D1 701L37' } }),
      differences: BOTH_REFUSE,
    },
    ...['invalid session!', 'a', 'a'.repeat(65)].map((name): SamenessCase => ({
      name: `fails with the role-session-name ${JSON.stringify(name.length > 20 ? `${name.length} × a` : name)}`,
      scenario: ({ world }) => ({ inputs: { ...keysAndRole(world), 'role-session-name': name } }),
      differences: BOTH_REFUSE,
    })),
    {
      name: 'fails if access key id is provided without secret access key',
      scenario: ({ world }) => ({ inputs: { 'aws-access-key-id': world.account.accessKeyId } }),
      differences: ['all-or-nothing-on-failure', 'post-undoes-only-own-exports'],
    },
    ...['-1', '0'].map((attempts): SamenessCase => ({
      name: `handles improper retry-max-attempts input (${attempts})`,
      scenario: ({ world }) => oidc(world, { 'retry-max-attempts': attempts }),
      differences: ['stricter-input-validation'],
    })),
    {
      // Not in the reference's tests: its parseInt reads 1h as 1 second (moto takes DurationSeconds=1; STS
      // would refuse anything under 900).
      name: 'role-duration-seconds with a unit (1h)',
      scenario: ({ world }) => oidc(world, { 'role-duration-seconds': '1h' }),
      differences: ['stricter-input-validation'],
    },
    {
      // Not in the reference's tests: its /^[a-z0-9-]+$/ takes any word of those characters for a region.
      name: 'a region without its dashes (useast1)',
      scenario: ({ world }) => oidc(world, { 'aws-region': 'useast1' }),
      differences: ['stricter-input-validation'],
    },
    {
      // disable-retry: the reference retries loading credentials that are not there 12 times, backing off.
      name: 'fails if doing OIDC without the ACTIONS_ID_TOKEN_REQUEST_TOKEN',
      scenario: ({ world }) => ({
        inputs: { 'role-to-assume': world.account.deployRole, 'disable-retry': true },
      }),
      differences: ['all-or-nothing-on-failure', 'post-undoes-only-own-exports'],
    },
    {
      name: "gets new creds if told to reuse existing but they're invalid",
      scenario: ({ world }) => oidc(world, { 'use-existing-credentials': true }),
      differences: TEMPORARY,
    },
    {
      name: "doesn't get new creds if there are already valid ones and we said use them",
      scenario: ({ world }) => ({
        inputs: { 'role-to-assume': world.account.deployRole, 'use-existing-credentials': true },
        jobEnv: {
          AWS_ACCESS_KEY_ID: world.account.accessKeyId,
          AWS_SECRET_ACCESS_KEY: world.account.secretAccessKey,
        },
      }),
      differences: ['identity-outputs-always', ...LONG_TERM],
    },
    {
      name: "doesn't export credentials as environment variables if told not to",
      scenario: ({ world }) => oidc(world, { 'output-env-credentials': false }),
      differences: ['reference-extra-GetCallerIdentity', 'identity-outputs-always'],
    },
    {
      name: 'can export creds as step outputs without exporting as env variables',
      scenario: ({ world }) => oidc(world, { 'output-env-credentials': false, 'output-credentials': true }),
      differences: ['reference-extra-GetCallerIdentity', 'identity-outputs-always'],
    },
    {
      // Not in the reference's tests: decisions.md #2, the reference's stand-in variables.
      name: 'environment variables stand in for empty inputs',
      scenario: ({ world }) => ({
        idToken: true,
        inputs: { 'aws-region': null },
        jobEnv: {
          AWS_REGION: world.region,
          ROLE_TO_ASSUME: world.account.deployRole,
          ROLE_SESSION_NAME: 'from-env',
          ROLE_DURATION_SECONDS: '900',
        },
      }),
      differences: TEMPORARY,
    },
    {
      // Not in the reference's tests: a China region, its role in the aws-cn partition (ours refuses an arn:aws
      // role there). disable-retry: the reference would retry moto's refusal 12 times.
      name: 'the default audience in a China region',
      scenario: () => ({
        idToken: true,
        inputs: {
          'aws-region': 'cn-north-1',
          'role-to-assume': 'arn:aws-cn:iam::123456789012:role/deploy',
          'disable-retry': true,
        },
      }),
      differences: [
        'audience-follows-partition',
        'all-or-nothing-on-failure',
        'post-undoes-only-own-exports',
      ],
    },
    {
      name: 'AUDIENCE stands in for the audience input',
      scenario: ({ world }) => ({ ...oidc(world), jobEnv: { AUDIENCE: CUSTOM_AUDIENCE } }),
      differences: [...TEMPORARY, 'audience-env-honoured'],
    },
  ],

  'Force Skip OIDC': [
    {
      name: 'skips OIDC when force-skip-oidc is true with IAM credentials',
      scenario: ({ world }) => ({
        idToken: true,
        inputs: { ...keysAndRole(world), 'force-skip-oidc': true },
      }),
      differences: TEMPORARY,
    },
    {
      name: 'skips OIDC when force-skip-oidc is true with web identity token file',
      scenario: async ({ world }) => ({
        ...(await tokenFile(world, { 'force-skip-oidc': true })),
        idToken: true,
      }),
      differences: TEMPORARY,
    },
    {
      name: 'fails when force-skip-oidc is true but no alternative credentials provided',
      scenario: ({ world }) => oidc(world, { 'force-skip-oidc': true }),
      differences: BOTH_REFUSE,
    },
    {
      // Not in the reference's tests: the credentials come from an earlier step, as the input's name suggests.
      name: "force-skip-oidc with role-to-assume uses the job's credentials",
      scenario: (context) => ({
        idToken: true,
        jobEnv: context.session,
        inputs: { 'role-to-assume': context.world.account.chainedRole, 'force-skip-oidc': true },
      }),
      differences: ['force-skip-oidc-uses-existing-credentials'],
    },
    {
      name: 'allows force-skip-oidc without role-to-assume',
      scenario: ({ world }) => ({ idToken: true, inputs: { ...keys(world), 'force-skip-oidc': true } }),
      differences: LONG_TERM,
    },
    {
      name: 'uses OIDC when force-skip-oidc is false (default behavior)',
      scenario: ({ world }) => oidc(world, { 'force-skip-oidc': false }),
      differences: TEMPORARY,
    },
    {
      name: 'works with role chaining when force-skip-oidc is true',
      scenario: (context) => ({
        idToken: true,
        inputs: {
          ...chained(context),
          'force-skip-oidc': true,
          'aws-access-key-id': context.session.AWS_ACCESS_KEY_ID,
          'aws-secret-access-key': context.session.AWS_SECRET_ACCESS_KEY,
          'aws-session-token': context.session.AWS_SESSION_TOKEN,
        },
      }),
      differences: TEMPORARY,
    },
  ],

  'Account ID Validation': [
    ...['123456789012', '999999999999,123456789012,222222222222', '', ' 123456789012 , 222222222222 '].map(
      (allowed): SamenessCase => ({
        name: `succeeds with IAM user credentials and allowed-account-ids ${JSON.stringify(allowed)}`,
        scenario: ({ world }) => ({ inputs: { ...keys(world), 'allowed-account-ids': allowed } }),
        differences: LONG_TERM,
      }),
    ),
    ...['999999999999', '999999999999,888888888888'].map((allowed): SamenessCase => ({
      name: `fails with IAM user credentials when the account is not in ${JSON.stringify(allowed)}`,
      scenario: ({ world }) => ({ inputs: { ...keys(world), 'allowed-account-ids': allowed } }),
      differences: ['all-or-nothing-on-failure', 'post-undoes-only-own-exports'],
    })),
    {
      name: 'works with assume role when account ID matches',
      scenario: ({ world }) => ({ inputs: { ...keysAndRole(world), 'allowed-account-ids': '123456789012' } }),
      differences: TEMPORARY,
    },
    {
      name: 'works with OIDC when account ID matches',
      scenario: ({ world }) => oidc(world, { 'allowed-account-ids': '123456789012' }),
      differences: TEMPORARY,
    },
    {
      name: 'fails with OIDC when account ID does not match allowed list',
      scenario: ({ world }) => oidc(world, { 'allowed-account-ids': '999999999999' }),
      differences: [
        'inputs-checked-before-any-call',
        'all-or-nothing-on-failure',
        'post-undoes-only-own-exports',
      ],
    },
    {
      name: 'fails with OIDC and output-env-credentials false when account ID does not match',
      scenario: ({ world }) =>
        oidc(world, { 'allowed-account-ids': '999999999999', 'output-env-credentials': false }),
      differences: ['inputs-checked-before-any-call'],
    },
    {
      name: 'fails with assume role when assumed account ID does not match allowed list',
      scenario: ({ world }) => ({ inputs: { ...keysAndRole(world), 'allowed-account-ids': '999999999999' } }),
      differences: [
        'inputs-checked-before-any-call',
        'all-or-nothing-on-failure',
        'post-undoes-only-own-exports',
      ],
    },
    {
      // A refusal the SDK does not retry, and disable-retry: the reference retries every failure 12 times.
      name: 'handles GetCallerIdentity API failure gracefully',
      scenario: ({ world }) => ({
        inputs: { ...keys(world), 'allowed-account-ids': '123456789012', 'disable-retry': true },
        faults: [{ kind: 'error', status: 403, code: 'AccessDenied', action: 'GetCallerIdentity' }],
      }),
      differences: ['all-or-nothing-on-failure', 'post-undoes-only-own-exports'],
    },
  ],

  'Global Timeout Configuration': [
    ...['30', '0'].map((seconds): SamenessCase => ({
      name: `action-timeout-s ${seconds}`,
      scenario: ({ world }) => ({ inputs: { ...keys(world), 'action-timeout-s': seconds } }),
      differences: LONG_TERM,
    })),
    {
      name: 'the timeout fails the step',
      scenario: ({ world }) => ({
        inputs: { ...keys(world), 'action-timeout-s': 1 },
        faults: [{ kind: 'hold', action: 'GetCallerIdentity' }],
      }),
      differences: ['all-or-nothing-on-failure', 'post-undoes-only-own-exports'],
    },
  ],

  'Bare role names': [
    {
      // moto keeps the seeded user in the aws partition, so who the keys are is answered here; then each action
      // completes the name its way, and moto (which has no such role in aws-cn) refuses either ARN.
      name: 'a bare role name in a China region, with access keys',
      scenario: ({ world }) => ({
        inputs: {
          ...keys(world),
          'role-to-assume': 'deploy',
          'aws-region': 'cn-north-1',
          'disable-retry': true,
        },
        faults: [callerIdentityAnswer(world.account.accountId, world.account.userArn)],
      }),
      differences: ['bare-role-name-partition'],
    },
  ],

  'Custom STS Endpoint': [
    {
      name: 'succeeds in a full action run with sts-endpoint input',
      scenario: ({ world }) => ({ inputs: keysAndRole(world) }),
      differences: TEMPORARY,
    },
  ],

  'HTTP Proxy Configuration': [
    {
      name: 'configures proxy from http-proxy input',
      scenario: ({ world }) => oidc(world, { 'http-proxy': FORWARD_PROXY }),
      differences: TEMPORARY,
    },
    ...['HTTP_PROXY', 'HTTPS_PROXY'].map((variable): SamenessCase => ({
      name: `configures proxy from ${variable} environment variable`,
      scenario: ({ world }) => ({ ...oidc(world), jobEnv: { [variable]: FORWARD_PROXY } }),
      differences: TEMPORARY,
    })),
    {
      name: 'prioritizes http-proxy input over environment variables',
      scenario: ({ world }) => ({
        ...oidc(world, { 'http-proxy': FORWARD_PROXY }),
        jobEnv: { HTTP_PROXY: DEAD_PROXY },
      }),
      differences: TEMPORARY,
    },
    {
      name: 'a proxy named only by the lowercase https_proxy variable',
      scenario: ({ world }) => ({ ...oidc(world), jobEnv: { https_proxy: FORWARD_PROXY } }),
      differences: [...TEMPORARY, 'lowercase-proxy-variables'],
    },
    {
      // The world's endpoint has a port, as LocalStack's does; disable-retry: the reference retries the dead proxy.
      name: 'configures no-proxy setting',
      scenario: ({ world }) =>
        oidc(world, { 'http-proxy': DEAD_PROXY, 'no-proxy': 'localhost,127.0.0.1', 'disable-retry': true }),
      differences: ['no-proxy-matches-endpoints-with-ports'],
    },
  ],

  'AWS Profile Support': [
    {
      name: 'writes profile files with OIDC authentication',
      scenario: ({ world }) => oidc(world, { 'aws-profile': 'dev' }),
      differences: [
        'reference-extra-GetCallerIdentity',
        'identity-outputs-always',
        'post-removes-profile-sections',
      ],
    },
    {
      name: 'writes profile files with IAM user credentials',
      scenario: ({ world }) => ({ inputs: { ...keys(world), 'aws-profile': 'production' } }),
      differences: ['identity-outputs-always', 'post-removes-profile-sections'],
    },
    {
      // disable-retry: the reference would retry its doomed AssumeRole 12 times, backing off.
      name: 'writes profile files with IAM user role assumption',
      scenario: ({ world }) => ({
        inputs: { ...keysAndRole(world), 'aws-profile': 'assumed-role', 'disable-retry': true },
      }),
      differences: ['keys-sign-assume-role-without-env'],
    },
    {
      name: 'respects output-env-credentials=true with profiles',
      scenario: ({ world }) => oidc(world, { 'aws-profile': 'dev', 'output-env-credentials': true }),
      differences: [...TEMPORARY, 'post-keeps-profile', 'post-removes-profile-sections'],
    },
    {
      name: 'handles default profile correctly',
      scenario: ({ world }) => oidc(world, { 'aws-profile': 'default' }),
      differences: [
        'reference-extra-GetCallerIdentity',
        'identity-outputs-always',
        'post-removes-profile-sections',
      ],
    },
    {
      // Not in the reference's tests: a profile of the user's, its header with a comment, as people write them.
      name: 'keeps a profile whose header has an inline comment',
      scenario: ({ world }) => ({
        ...oidc(world, { 'aws-profile': 'dev' }),
        files: {
          '~/.aws/credentials': `[tooling]  ; team profile\naws_access_key_id = ${world.account.accessKeyId}\naws_secret_access_key = ${world.account.secretAccessKey}\n`,
        },
      }),
      differences: [
        'reference-extra-GetCallerIdentity',
        'identity-outputs-always',
        'profile-headers-read-like-the-sdks',
        'post-removes-profile-sections',
      ],
    },
    {
      // Both refuse to write credentials through a linked folder (a dotfiles ~/.aws, or one an earlier step planted).
      name: 'refuses a ~/.aws that is a symbolic link',
      scenario: ({ world }) => ({
        ...oidc(world, { 'aws-profile': 'dev' }),
        files: { '~/dotfiles/aws/README': 'my AWS settings\n' },
        links: { '~/.aws': '~/dotfiles/aws' },
      }),
      // Ours refuses before any request; the reference assumes the role, then fails writing the profile.
      differences: ['inputs-checked-before-any-call'],
    },
    {
      name: 'rejects invalid profile names with whitespace',
      scenario: ({ world }) => oidc(world, { 'aws-profile': 'invalid profile' }),
      differences: ['inputs-checked-before-any-call'],
    },
  ],

  'Retry Behavior': [
    {
      name: 'retries validateCredentials on transient GetCallerIdentity failure',
      scenario: ({ world }) => ({ inputs: keys(world), faults: [throttled('GetCallerIdentity')] }),
      differences: LONG_TERM,
    },
    {
      name: 'respects disable-retry for validateCredentials',
      scenario: ({ world }) => ({
        inputs: { ...keys(world), 'disable-retry': true },
        faults: [throttled('GetCallerIdentity')],
      }),
      differences: ['disable-retry-disables-sdk-retries'],
    },
    {
      name: 'retries the post-assume identity check on a transient invalid-token error (issue #1681)',
      scenario: ({ world }) => ({
        ...oidc(world),
        faults: [{ kind: 'error', status: 403, code: 'InvalidClientTokenId', action: 'GetCallerIdentity' }],
      }),
      differences: TEMPORARY,
    },
    {
      name: 'retries AssumeRole and shows info-level retry messages',
      scenario: ({ world }) => ({ ...oidc(world), faults: [throttled('AssumeRoleWithWebIdentity')] }),
      differences: TEMPORARY,
    },
    {
      name: 'AccessDenied on AssumeRole is not retried',
      scenario: ({ world }) => ({
        inputs: { ...keysAndRole(world), 'retry-max-attempts': 2 },
        faults: [{ kind: 'error', status: 403, code: 'AccessDenied', action: 'AssumeRole' }],
      }),
      differences: ['only-transient-errors-retried'],
    },
  ],

  'User-Agent enrichment': [
    {
      name: 'includes action, run_id and attempt tokens when env vars are valid',
      scenario: ({ world }) => ({ ...oidc(world), id: '__run_2' }),
      differences: TEMPORARY,
    },
    {
      // The runner always sets them; empty is the nearest to unset a job can make them.
      name: 'omits tokens when env vars are empty',
      scenario: ({ world }) => ({ ...oidc(world), jobEnv: { GITHUB_RUN_ID: '', GITHUB_RUN_ATTEMPT: '' } }),
      differences: [
        'reference-extra-GetCallerIdentity',
        'AWS_CREDENTIAL_EXPIRATION-exported',
        'post-keeps-region',
      ],
    },
    {
      name: 'warns and skips when env vars are malformed',
      scenario: ({ world }) => ({
        ...oidc(world),
        id: '$(curl evil)',
        jobEnv: { GITHUB_RUN_ID: '$(curl evil)', GITHUB_RUN_ATTEMPT: '1; rm -rf /' },
      }),
      differences: [
        'reference-extra-GetCallerIdentity',
        'AWS_CREDENTIAL_EXPIRATION-exported',
        'post-keeps-region',
      ],
    },
    {
      name: 'warns and skips when env vars exceed the length bound',
      scenario: ({ world }) => ({
        ...oidc(world),
        id: 'a'.repeat(200),
        jobEnv: { GITHUB_RUN_ID: '1'.repeat(50), GITHUB_RUN_ATTEMPT: '1'.repeat(50) },
      }),
      differences: [
        'reference-extra-GetCallerIdentity',
        'AWS_CREDENTIAL_EXPIRATION-exported',
        'post-keeps-region',
      ],
    },
    {
      name: 'rejects GITHUB_ACTION containing whitespace or other characters',
      scenario: ({ world }) => ({ ...oidc(world), id: 'has space' }),
      differences: TEMPORARY,
    },
    {
      name: 'preserves a pre-existing AWS_EXECUTION_ENV value',
      scenario: ({ world }) => ({ ...oidc(world), jobEnv: { AWS_EXECUTION_ENV: 'CustomRunner' } }),
      differences: TEMPORARY,
    },
    {
      // Not in the reference's tests: a job's own AWS_SDK_UA_APP_ID reaches both SDKs, and ours keeps it.
      name: "the job's AWS_SDK_UA_APP_ID",
      scenario: ({ world }) => ({ ...oidc(world), jobEnv: { AWS_SDK_UA_APP_ID: 'my-app' } }),
      differences: [
        'reference-extra-GetCallerIdentity',
        'AWS_CREDENTIAL_EXPIRATION-exported',
        'post-keeps-region',
      ],
    },
  ],
};
