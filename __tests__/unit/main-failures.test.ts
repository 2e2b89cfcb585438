import { describe, expect, it } from '@jest/globals';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  type AssumeRoleWithWebIdentityCommandInput,
} from '@aws-sdk/client-sts';

import { run } from '../../src/main.js';
import {
  ACCOUNT,
  assumedRole,
  callerIdentity,
  expectFailedCleanly,
  expectMaskedFirst,
  FakeRunner,
  keyInputs,
  networkError,
  NO_OIDC,
  OTHER_ACCOUNT,
  ROLE_ARN,
  SOURCE_KEYS,
  stsError,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// Every failure fails the step once, exports nothing, says what to change and shows no secret.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const KEY_SECRETS = [SOURCE_KEYS.accessKeyId, SOURCE_KEYS.secretAccessKey];
const ALL_KEY_SECRETS = [...KEY_SECRETS, SOURCE_KEYS.sessionToken];
const OIDC = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };
const KEYS_AND_ROLE = { ...OIDC, ...keyInputs() };

describe.each([false, true])('an invalid input (debug %s)', (debug) => {
  it.each([
    ['aws-region', { 'role-to-assume': ROLE_ARN }],
    ['aws-region', { ...OIDC, 'aws-region': 'us-east' }],
    ['role-duration-seconds', { ...OIDC, 'role-duration-seconds': '1h' }],
    ['role-to-assume', { ...OIDC, 'role-to-assume': 'arn:aws:iam::123:role/deploy' }],
    ['role-to-assume', { ...OIDC, 'role-to-assume': 'deploy' }],
    ['role-session-name', { ...KEYS_AND_ROLE, 'role-session-name': 'x' }],
    ['mask-aws-account-id', { ...KEYS_AND_ROLE, 'mask-aws-account-id': 'yes' }],
    ['custom-tags', { ...KEYS_AND_ROLE, 'custom-tags': '{"Team": null}' }],
    ['aws-secret-access-key', { ...OIDC, 'aws-access-key-id': SOURCE_KEYS.accessKeyId }],
    ['aws-session-token', { ...OIDC, 'aws-session-token': SOURCE_KEYS.sessionToken }],
    ['allowed-account-ids', { ...OIDC, 'allowed-account-ids': OTHER_ACCOUNT }],
  ])('%s: fails naming the input, before any STS call (%j)', async (input, inputs) => {
    const runner = new FakeRunner({ inputs, debug });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toContain(input);
    expect(sts.calls()).toEqual([]);
    expect(runner.callsOf('getIDToken')).toEqual([]);
    const given = [SOURCE_KEYS.accessKeyId, SOURCE_KEYS.secretAccessKey, SOURCE_KEYS.sessionToken];
    expectMaskedFirst(
      runner,
      given.filter((secret) => Object.values(inputs).includes(secret)),
    );
  });

  it('aws-profile: fails when the profile exists, before any STS call', async () => {
    world.write(world.credentialsFile, '[ci]\naws_access_key_id = OLD\n');
    const runner = new FakeRunner({ inputs: { ...KEYS_AND_ROLE, 'aws-profile': 'ci' }, debug });
    await run(runner, world.env());

    const message = expectFailedCleanly(runner);
    expect(message).toContain('aws-profile "ci" already exists');
    expect(message).toContain('overwrite-aws-profile');
    expect(sts.calls()).toEqual([]);
    expectMaskedFirst(runner, KEY_SECRETS);
  });
});

/** One scenario where STS (or the way to it) fails. */
interface Failing {
  readonly what: string;
  readonly inputs: Record<string, string>;
  readonly env?: Record<string, string | undefined>;
  readonly arrange: () => void;
  /** getIDToken fails with this. */
  readonly idTokenError?: Error;
  /** Fragments the failure message must contain: what to change. */
  readonly says: readonly string[];
  readonly saysNot?: readonly string[];
  /** Secrets the inputs or the source brought (the OIDC token is added when one was issued). */
  readonly secrets: readonly string[];
}

const FAILING: readonly Failing[] = [
  {
    what: 'SignatureDoesNotMatch with access keys and a role',
    inputs: KEYS_AND_ROLE,
    arrange: () =>
      sts
        .on(AssumeRoleCommand)
        .rejects(stsError('SignatureDoesNotMatch', 'The request signature we calculated does not match.')),
    says: ['Could not assume', 'aws-access-key-id and aws-secret-access-key', 'SignatureDoesNotMatch'],
    secrets: KEY_SECRETS,
  },
  {
    what: 'InvalidClientTokenId with access keys and no role',
    inputs: { 'aws-region': 'us-east-1', ...keyInputs() },
    arrange: () =>
      sts
        .on(GetCallerIdentityCommand)
        .rejects(stsError('InvalidClientTokenId', 'The security token is invalid.')),
    says: ['check the source credentials', 'aws-access-key-id and aws-secret-access-key'],
    secrets: KEY_SECRETS,
  },
  {
    what: 'AccessDenied on AssumeRole with session tags',
    inputs: KEYS_AND_ROLE,
    arrange: () => sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'User is not authorized.')),
    says: ['trust policy', 'sts:AssumeRole', 'sts:TagSession', 'role-skip-session-tagging'],
    secrets: KEY_SECRETS,
  },
  {
    what: 'AccessDenied on AssumeRole without session tags',
    inputs: { ...KEYS_AND_ROLE, 'role-skip-session-tagging': 'true' },
    arrange: () => sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'User is not authorized.')),
    says: ['trust policy', 'sts:AssumeRole'],
    saysNot: ['sts:TagSession'],
    secrets: KEY_SECRETS,
  },
  {
    what: 'AccessDenied on AssumeRoleWithWebIdentity',
    inputs: OIDC,
    arrange: () =>
      sts
        .on(AssumeRoleWithWebIdentityCommand)
        .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity')),
    says: [
      `trust policy of ${ROLE_ARN}`,
      'token.actions.githubusercontent.com:sub = "repo:octo-org/octo-repo:ref:refs/heads/main"',
      ':aud = "sts.amazonaws.com"',
    ],
    secrets: [],
  },
  {
    what: 'ExpiredToken with an aws-session-token',
    inputs: { ...OIDC, ...keyInputs({ withToken: true }) },
    arrange: () =>
      sts
        .on(AssumeRoleCommand)
        .rejects(stsError('ExpiredTokenException', 'The security token included in the request is expired')),
    says: ['expired aws-session-token'],
    secrets: ALL_KEY_SECRETS,
  },
  {
    what: 'ExpiredToken with role-chaining',
    inputs: { ...OIDC, 'role-chaining': 'true' },
    env: { AWS_ACCESS_KEY_ID: 'ASIAEARLIERSTEPKEY01' },
    arrange: () =>
      sts
        .on(AssumeRoleCommand)
        .rejects(stsError('ExpiredTokenException', 'The security token included in the request is expired')),
    says: ['the credentials the job already has', 'expired'],
    secrets: [],
  },
  {
    what: 'a network error',
    inputs: { ...OIDC, 'disable-retry': 'true' },
    arrange: () =>
      sts
        .on(AssumeRoleWithWebIdentityCommand)
        .rejects(networkError('ECONNREFUSED', 'connect ECONNREFUSED 203.0.113.1:443')),
    says: ['could not reach STS at https://sts.us-east-1.amazonaws.com', 'http-proxy'],
    secrets: [],
  },
  {
    what: 'a network error through sts-endpoint',
    inputs: { ...KEYS_AND_ROLE, 'sts-endpoint': 'https://vpce-1.sts.us-east-1.vpce.amazonaws.com' },
    arrange: () =>
      sts.on(AssumeRoleCommand).rejects(networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND vpce-1')),
    says: ['could not reach STS at https://vpce-1.sts.us-east-1.vpce.amazonaws.com', 'sts-endpoint'],
    secrets: KEY_SECRETS,
  },
  {
    what: 'allowed-account-ids refusing the account of the access keys',
    inputs: { 'aws-region': 'us-east-1', ...keyInputs(), 'allowed-account-ids': ACCOUNT },
    arrange: () => sts.on(GetCallerIdentityCommand).resolves(callerIdentity(OTHER_ACCOUNT)),
    says: [`account ${OTHER_ACCOUNT}`, 'allowed-account-ids', 'nothing was exported'],
    secrets: KEY_SECRETS,
  },
  {
    what: 'allowed-account-ids refusing the account of the assumed role',
    inputs: { ...KEYS_AND_ROLE, 'role-to-assume': 'deploy', 'allowed-account-ids': ACCOUNT },
    arrange: () => {
      sts.on(GetCallerIdentityCommand).resolves(callerIdentity(OTHER_ACCOUNT));
      sts
        .on(AssumeRoleCommand)
        .resolves(assumedRole({ arn: `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/deploy/GitHubActions` }));
    },
    says: [`account ${OTHER_ACCOUNT}`, 'allowed-account-ids'],
    secrets: KEY_SECRETS,
  },
  {
    what: 'a job without id-token permission on a GitHub-hosted runner',
    inputs: OIDC,
    env: NO_OIDC,
    arrange: () => undefined,
    says: ['No credentials to assume', 'id-token: write'],
    secrets: [],
  },
  {
    what: 'a GitHub OIDC token request that fails',
    inputs: OIDC,
    arrange: () => undefined,
    idTokenError: new Error(
      'Failed to get ID Token. Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL',
    ),
    says: ['Could not get a GitHub OIDC token for audience "sts.amazonaws.com"', 'id-token: write'],
    secrets: [],
  },
];

describe.each([false, true])('when STS or the source fails (debug %s)', (debug) => {
  it.each(FAILING)('$what: one setFailed saying what to change, nothing exported', async (scenario) => {
    scenario.arrange();
    const runner = new FakeRunner({
      inputs: scenario.inputs,
      debug,
      ...(scenario.idTokenError && { idTokenError: scenario.idTokenError }),
    });
    await run(runner, world.env(scenario.env));

    const message = expectFailedCleanly(runner);
    for (const fragment of scenario.says) expect(message).toContain(fragment);
    for (const fragment of scenario.saysNot ?? []) expect(message).not.toContain(fragment);
    expectMaskedFirst(runner, [...scenario.secrets, ...runner.issuedTokens]);
    const debugLines = runner.callsOf('debug').map(([line]) => line);
    if (debug) expect(debugLines.join('\n')).toMatch(/\n\s+at /);
    else expect(debugLines).toEqual([]);
  });
});

describe('secrets in AWS error messages', () => {
  it.each([false, true])('are kept out of setFailed and the debug stack (debug %s)', async (debug) => {
    sts
      .on(AssumeRoleCommand)
      .rejects(
        stsError(
          'SignatureDoesNotMatch',
          `Signature for ${SOURCE_KEYS.accessKeyId} with ${SOURCE_KEYS.secretAccessKey} and ${SOURCE_KEYS.sessionToken} does not match.`,
        ),
      );
    const runner = new FakeRunner({ inputs: { ...OIDC, ...keyInputs({ withToken: true }) }, debug });
    await run(runner, world.env());

    const message = expectFailedCleanly(runner);
    expect(message).toContain('Signature for *** with *** and *** does not match');
    expectMaskedFirst(runner, ALL_KEY_SECRETS);
    for (const secret of ALL_KEY_SECRETS) {
      expect(message).not.toContain(secret);
      for (const [line] of runner.callsOf('debug')) expect(line).not.toContain(secret);
    }
  });

  it('keep the OIDC token out of setFailed when STS quotes it', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .callsFake((input: AssumeRoleWithWebIdentityCommandInput) =>
        Promise.reject(
          stsError('InvalidIdentityTokenException', `Token ${input.WebIdentityToken} is not valid.`),
        ),
      );
    const runner = new FakeRunner({ inputs: OIDC, debug: true });
    await run(runner, world.env());

    const message = expectFailedCleanly(runner);
    expect(message).toContain('Token *** is not valid');
    expect(message).toContain('IAM OIDC identity provider for https://token.actions.githubusercontent.com');
    expectMaskedFirst(runner, runner.issuedTokens);
  });

  it('a thrown non-Error still fails the step once with a readable message', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).callsFake(() => Promise.reject({ reason: 'socket closed' }));
    const runner = new FakeRunner({ inputs: OIDC, debug: true });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toContain('socket closed');
    expectMaskedFirst(runner, runner.issuedTokens);
  });
});

describe("the runner's bearer for the ID-token endpoint", () => {
  it('is masked before the first request, so an endpoint that echoes it cannot show it', async () => {
    const runner = new FakeRunner({ inputs: OIDC });
    const env = world.env();
    await run(runner, env);

    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '';
    const order = runner.calls.map((call) => call.method + (call.args[0] === bearer ? ':bearer' : ''));
    expect(order.indexOf('setSecret:bearer')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('setSecret:bearer')).toBeLessThan(order.indexOf('getIDToken'));
  });
});
