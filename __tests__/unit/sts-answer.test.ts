import { existsSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
} from '@aws-sdk/client-sts';
import { run } from '../../src/main.js';
import { ANSWER_RULES, checkAnswerField, checkExpiration } from '../../src/sts/answer.js';
import {
  ASSUMED_ARN,
  assumedRole,
  callerIdentity,
  expectFailedCleanly,
  FakeRunner,
  keyInputs,
  mockSts,
  ROLE_ARN,
  TEMP_CREDENTIALS,
  TestWorld,
  useTestWorld,
} from './fixtures/runner.js';

// An STS answer's fields end up in the credentials file, the log, GITHUB_ENV and the post step's state: each is
// checked against what STS sends before anything is done with it.

const ENDPOINT = 'https://sts.us-east-1.amazonaws.com';
const INJECTION = 'x\n[evil]\ncredential_process = touch /tmp/pwned';

describe('checkAnswerField', () => {
  it.each([
    ['AccessKeyId', TEMP_CREDENTIALS.accessKeyId],
    ['AccessKeyId', 'AKIA' + '0'.repeat(124)],
    ['SecretAccessKey', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['SessionToken', `FwoGZXIvYXdzE${'A'.repeat(2000)}+/==`],
    ['AssumedRoleArn', ASSUMED_ARN],
    ['AssumedRoleArn', 'arn:aws-us-gov:sts::123456789012:assumed-role/deploy.prod@x/run-42=ok'],
    ['Account', '123456789012'],
    ['CallerArn', 'arn:aws:iam::123456789012:user/path/to/ci'],
    ['CallerArn', 'arn:aws:iam::123456789012:root'],
    ['CallerArn', ASSUMED_ARN],
  ] as const)('accepts a %s STS sends (%s)', (field, value) => {
    expect(checkAnswerField(ENDPOINT, 'AssumeRole', field, value)).toBe(value);
  });

  it.each([
    ['AccessKeyId', `ASIA${INJECTION}`],
    ['AccessKeyId', 'asiatemporarykey0001'],
    ['AccessKeyId', 'ASIA'],
    ['SecretAccessKey', `secretsecretsecret${INJECTION}`],
    ['SecretAccessKey', 'secret key with spaces in it'],
    ['SessionToken', `tokentokentokentoken${INJECTION}`],
    ['SessionToken', 'A'.repeat(200 * 1024)],
    ['AssumedRoleArn', `${ASSUMED_ARN}\n::warning::injected`],
    ['AssumedRoleArn', 'arn:aws:iam::123456789012:role/deploy'],
    ['Account', '12345678901\n::save-state name=profile-sections::[]'],
    ['Account', '1234567890123'],
    ['CallerArn', 'arn:aws:iam::123456789012:user/ci\n::warning::x'],
    ['CallerArn', 'https://evil.example'],
  ] as const)('refuses a %s that STS never sends, without quoting it', (field, value) => {
    let message = '';
    try {
      checkAnswerField(ENDPOINT, 'AssumeRole', field, value, `the ${field}`);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(
      new RegExp(
        `^The STS endpoint ${ENDPOINT} answered AssumeRole with a malformed the ${field} \\(STS sends `,
      ),
    );
    expect(message).toContain(ANSWER_RULES[field].says);
    expect(message).toContain('nothing was exported');
    expect(message).not.toContain(value);
    expect(message).not.toMatch(
      /[\r\n]|evil|injected|save-state|credential_process|secret key|asia|12345678901\b/,
    );
  });

  it.each([undefined, null, ''])('says the field is missing when it is %j', (value) => {
    expect(() => checkAnswerField(ENDPOINT, 'GetCallerIdentity', 'Account', value)).toThrow(
      /answered GetCallerIdentity with no Account \(STS sends 12 digits\)/,
    );
  });
});

describe('checkExpiration', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('accepts a time in the future', () => {
    const later = new Date(now + 3600_000);
    expect(checkExpiration(ENDPOINT, 'AssumeRole', later, now)).toBe(later);
  });

  it.each([
    [new Date(now - 1000), 'credentials that expired at 2026-12-01T11:59:59.000Z, before they were issued'],
    [new Date(now), 'credentials that expired at 2026-12-01T12:00:00.000Z'],
    [new Date('not a time'), 'a malformed Credentials.Expiration'],
    [undefined, 'no Credentials.Expiration'],
  ])('refuses %s', (value, said) => {
    expect(() => checkExpiration(ENDPOINT, 'AssumeRole', value, now)).toThrow(said);
  });
});

describe('a malformed answer in a run', () => {
  const sts = mockSts();
  let world: TestWorld;
  useTestWorld((w) => (world = w));

  it('writes no profile and exports nothing when a key holds an INI line', async () => {
    sts.on(AssumeRoleCommand).resolves({
      ...assumedRole(),
      Credentials: { ...assumedRole().Credentials!, SecretAccessKey: `secretsecretsecret${INJECTION}` },
    });
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, ...keyInputs(), 'aws-profile': 'ci' },
    });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toMatch(
      /^The STS endpoint https:\/\/sts\.us-east-1\.amazonaws\.com answered AssumeRole with a malformed Credentials\.SecretAccessKey/,
    );
    expect(existsSync(world.credentialsFile)).toBe(false);
    expect(runner.log).not.toContain('credential_process');
    // Refused, not retried: another answer from the same endpoint would be no better.
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('refuses an assumed-role ARN with a workflow command in it, before the log could show it', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      ...assumedRole(),
      AssumedRoleUser: { Arn: `${ASSUMED_ARN}\n::warning::injected`, AssumedRoleId: 'AROA:x' },
    });
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN } });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toContain('with a malformed AssumedRoleUser.Arn');
    expect(runner.log).not.toContain('::warning::injected');
  });

  it('refuses a GetCallerIdentity account with a workflow command (bare role name), saving no state', async () => {
    sts.on(GetCallerIdentityCommand).resolves({
      ...callerIdentity(),
      Account: '111122223333\n::save-state name=profile-sections::[]',
    });
    const runner = new FakeRunner({
      inputs: { 'aws-region': 'us-east-1', 'role-to-assume': 'deploy', ...keyInputs() },
    });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toContain('answered GetCallerIdentity with a malformed Account');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('refuses credentials that expired already', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves({
      ...assumedRole(),
      Credentials: { ...assumedRole().Credentials!, Expiration: new Date(Date.now() - 60_000) },
    });
    const runner = new FakeRunner({ inputs: { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN } });
    await run(runner, world.env());

    expect(expectFailedCleanly(runner)).toMatch(
      /with credentials that expired at .*, before they were issued/,
    );
  });
});
