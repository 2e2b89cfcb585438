import { describe, expect, it } from '@jest/globals';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';

import { run } from '../../src/main.js';
import { IdTokenRequestError } from '../../src/sources/github-id-token.js';
import {
  assumedRole,
  expectFailedCleanly,
  expectMaskedFirst,
  FakeRunner,
  keyInputs,
  ROLE_ARN,
  SOURCE_KEYS,
  stsError,
  TEMP_CREDENTIALS,
  TEMP_SECRETS,
  TestWorld,
  mockSts,
  useTestWorld,
} from './fixtures/runner.js';

// Calls the action repeats on purpose: AssumeRole without the optional session tags when STS finds them too
// large, and special-characters-workaround. Each ends in success or in one clean failure.

const sts = mockSts();
let world: TestWorld;
useTestWorld((w) => (world = w));

const KEY_SECRETS = [SOURCE_KEYS.accessKeyId, SOURCE_KEYS.secretAccessKey];
const OIDC = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };
const KEYS_AND_ROLE = { ...OIDC, ...keyInputs() };

describe('PackedPolicyTooLarge', () => {
  const tooLarge = () =>
    stsError('PackedPolicyTooLargeException', 'Packed size of session tags and policies exceeds the limit.');
  const tagKeys = (call: number): (string | undefined)[] =>
    (sts.commandCalls(AssumeRoleCommand)[call]!.args[0].input.Tags ?? []).map((tag) => tag.Key);

  it('is retried once without the optional tags, then succeeds', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(tooLarge()).resolves(assumedRole());
    const runner = new FakeRunner({
      inputs: {
        ...KEYS_AND_ROLE,
        'custom-tags': '{"Team": "platform"}',
        'transitive-tag-keys': 'RunId, Team',
      },
    });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    expect(tagKeys(0)).toEqual([
      ...['GitHub', 'Repository', 'Workflow', 'Action', 'Actor', 'Commit', 'Branch'],
      ...['EventName', 'RunId', 'Job', 'TriggeringActor', 'Team'],
    ]);
    expect(tagKeys(1)).toEqual([
      'GitHub',
      'Repository',
      'Workflow',
      'Action',
      'Actor',
      'Commit',
      'Branch',
      'Team',
    ]);
    // A transitive key whose tag was dropped is not sent: STS would refuse it.
    expect(sts.commandCalls(AssumeRoleCommand)[1]!.args[0].input.TransitiveTagKeys).toEqual(['Team']);
    expect(runner.callsOf('warning').join('\n')).toContain('PackedPolicyTooLarge');
    expect(runner.exported.AWS_ACCESS_KEY_ID).toBe(TEMP_CREDENTIALS.accessKeyId);
    expectMaskedFirst(runner, [...KEY_SECRETS, ...TEMP_SECRETS]);
  });

  it('fails when the retry is too large as well', async () => {
    sts.on(AssumeRoleCommand).rejects(tooLarge());
    const runner = new FakeRunner({ inputs: KEYS_AND_ROLE });
    await run(runner, world.env());

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    const message = expectFailedCleanly(runner);
    expect(message).toContain('role-skip-session-tagging');
    expect(message).toContain('inline-session-policy');
    expectMaskedFirst(runner, KEY_SECRETS);
  });

  it('is not retried without session tags: the policies are what is too large', async () => {
    sts.on(AssumeRoleCommand).rejects(tooLarge());
    const runner = new FakeRunner({ inputs: { ...KEYS_AND_ROLE, 'role-skip-session-tagging': 'true' } });
    await run(runner, world.env());

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    expect(expectFailedCleanly(runner)).toContain('too large');
    expectMaskedFirst(runner, KEY_SECRETS);
  });
});

describe('special-characters-workaround', () => {
  const SPECIAL = 'temporary/Secret+Key0000000000000000001';
  const SPECIAL_TOO = 'temporarySecretKey=0000000000000000000002';

  it('assumes the role again until the secret key has no special characters', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .resolvesOnce(assumedRole({ secretAccessKey: SPECIAL }))
      .resolvesOnce(assumedRole({ secretAccessKey: SPECIAL_TOO }))
      .resolves(assumedRole());
    const runner = new FakeRunner({ inputs: { ...OIDC, 'special-characters-workaround': 'true' } });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(3);
    expect(runner.exported.AWS_SECRET_ACCESS_KEY).toBe(TEMP_CREDENTIALS.secretAccessKey);
    expect(runner.log).toContain('special-characters-workaround: the secret key has special characters');
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('gives up after retry-max-attempts sessions, naming the inputs', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumedRole({ secretAccessKey: SPECIAL }));
    const runner = new FakeRunner({
      inputs: { ...OIDC, 'special-characters-workaround': 'true', 'retry-max-attempts': '3' },
    });
    await run(runner, world.env());

    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(3);
    const message = expectFailedCleanly(runner);
    expect(message).toContain('special-characters-workaround');
    expect(message).toContain('retry-max-attempts');
    expect(message).not.toContain(SPECIAL);
    expectMaskedFirst(runner, runner.issuedTokens);
  });

  it('is off by default: a secret key with special characters is exported as it is', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumedRole({ secretAccessKey: SPECIAL }));
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env());

    expect(sts.calls()).toHaveLength(1);
    expect(runner.exported.AWS_SECRET_ACCESS_KEY).toBe(SPECIAL);
    expectMaskedFirst(runner, [...runner.issuedTokens, SPECIAL]);
  });
});

describe('AssumeRoleWithWebIdentity retries', () => {
  const webIdentityCalls = () =>
    sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((call) => call.args[0].input);

  it('asks for a new OIDC token for every attempt after a transient failure', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejectsOnce(
        stsError(
          'IDPCommunicationErrorException',
          "Couldn't retrieve verification key from your identity provider.",
        ),
      )
      .resolves(assumedRole());
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.issuedTokens).toHaveLength(2);
    expect(runner.issuedTokens[0]).not.toBe(runner.issuedTokens[1]);
    expect(webIdentityCalls().map((input) => input.WebIdentityToken)).toEqual(runner.issuedTokens);
    expect(runner.log).toContain(
      'STS request attempt 1 of 12 failed (IDPCommunicationErrorException); trying again',
    );
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });

  it('makes one attempt only when the failure is final', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'));
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env());

    expect(webIdentityCalls()).toHaveLength(1);
    expect(runner.issuedTokens).toHaveLength(1);
    expect(expectFailedCleanly(runner)).toMatch(/trust policy/);
  });

  it('stops after retry-max-attempts attempts in all', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(stsError('ThrottlingException', 'Rate exceeded'));
    const runner = new FakeRunner({ inputs: { ...OIDC, 'retry-max-attempts': '2' } });
    await run(runner, world.env());

    expect(webIdentityCalls()).toHaveLength(2);
    expect(expectFailedCleanly(runner)).toMatch(/Rate exceeded/);
  });
});

describe('GitHub ID-token request', () => {
  const httpError = (status: number) =>
    new IdTokenRequestError(`HTTP ${status}: no`, `HTTP${status}`, status);

  it('is retried after a 503', async () => {
    const runner = new FakeRunner({ inputs: OIDC, idTokenFailures: [httpError(503)] });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.callsOf('getIDToken')).toHaveLength(2);
    expect(runner.log).toContain('GitHub ID-token request attempt 1 of 12 failed (HTTP503); trying again');
  });

  it('is not retried after a 403, and the failure says why', async () => {
    const runner = new FakeRunner({ inputs: OIDC, idTokenFailures: [httpError(403)] });
    await run(runner, world.env());

    expect(runner.callsOf('getIDToken')).toHaveLength(1);
    expect(sts.calls()).toHaveLength(0);
    expect(expectFailedCleanly(runner)).toMatch(/^GitHub refused the OIDC token request \(HTTP 403\)/);
  });
});
