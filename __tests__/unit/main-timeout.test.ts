import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../src/main.js';
import {
  assumedRole,
  callerIdentity,
  expectFailedCleanly,
  expectMaskedFirst,
  FakeRunner,
  keyInputs,
  ROLE_ARN,
  SOURCE_KEYS,
  TEMP_SECRETS,
  TestWorld,
} from './fixtures/runner.js';

// action-timeout-s, with jest's fake clock: the test moves time past the deadline once the slow call has
// started, so nothing depends on how fast the machine is.

const sts = mockClient(STSClient);
let world: TestWorld;

beforeEach(() => {
  sts.reset();
  world = new TestWorld();
  // setImmediate stays real: the step yields one turn of the event loop to send its first connects
  // (src/plan/head-start.ts), which a fake clock would never give it.
  jest.useFakeTimers({ doNotFake: ['setImmediate'] });
});
afterEach(() => {
  jest.useRealTimers();
  world.dispose();
});
afterAll(() => sts.restore());

const OIDC = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN, 'action-timeout-s': '30' };

/** A mocked STS answer that never comes, and a promise that settles once the call was made. */
function neverAnswers(): { started: Promise<void>; answer: () => Promise<never> } {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  return {
    started,
    answer: () => {
      markStarted();
      return new Promise<never>(() => undefined);
    },
  };
}

function expectTimedOut(runner: FakeRunner): void {
  const message = expectFailedCleanly(runner);
  expect(message).toContain('action-timeout-s is 30 seconds');
  expect(message).toContain('Nothing was exported');
}

describe('action-timeout-s', () => {
  it('fails, exporting nothing, when AssumeRoleWithWebIdentity never answers', async () => {
    const slow = neverAnswers();
    sts.on(AssumeRoleWithWebIdentityCommand).callsFake(slow.answer);
    const runner = new FakeRunner({ inputs: OIDC });
    const done = run(runner, world.env());
    await slow.started;
    await jest.advanceTimersByTimeAsync(30_000);
    await done;

    expectTimedOut(runner);
    expectMaskedFirst(runner, runner.issuedTokens);
  });

  it('fails when STS answers only after the deadline', async () => {
    let started!: () => void;
    const calling = new Promise<void>((resolve) => (started = resolve));
    sts.on(AssumeRoleCommand).callsFake(() => {
      started();
      return new Promise((resolve) => setTimeout(() => resolve(assumedRole()), 60_000));
    });
    const runner = new FakeRunner({ inputs: { ...OIDC, ...keyInputs() } });
    const done = run(runner, world.env());
    await calling;
    await jest.advanceTimersByTimeAsync(60_000);
    await done;

    expectTimedOut(runner);
    expectMaskedFirst(runner, [SOURCE_KEYS.accessKeyId, SOURCE_KEYS.secretAccessKey]);
  });

  it('names the role, not the token, when the time runs out getting a token for a retry', async () => {
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    sts.on(AssumeRoleWithWebIdentityCommand).callsFake(() => {
      firstAttempt();
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: {} });
    });
    // The first token comes at once; the one for the second attempt never does.
    class SecondTokenHangs extends FakeRunner {
      override async getIDToken(audience: string): Promise<string> {
        if (this.issuedTokens.length === 0) return super.getIDToken(audience);
        return new Promise<string>(() => undefined);
      }
    }
    const runner = new SecondTokenHangs({ inputs: OIDC });
    const done = run(runner, world.env());
    await attempted;
    // The backoff, the second attempt's token request (never answered), then the deadline: all on the fake clock.
    await jest.advanceTimersByTimeAsync(30_000);
    await done;

    expectTimedOut(runner);
    expect(runner.issuedTokens).toHaveLength(1);
    expect(runner.log).toContain('STS request attempt 1 of 12 failed (Throttling); trying again');
    expect(runner.failures[0]).toMatch(
      /^The step ran out of time while assuming the role \S+ \(attempt 2: fetching the GitHub OIDC token\)/,
    );
  });

  it('fails when the GitHub OIDC token never comes', async () => {
    const runner = new FakeRunner({ inputs: OIDC, idTokenHangs: true });
    const done = run(runner, world.env());
    await jest.advanceTimersByTimeAsync(30_000);
    await done;

    expectTimedOut(runner);
    expect(sts.calls()).toEqual([]);
    expectMaskedFirst(runner, []);
  });

  it('fails when the use-existing-credentials check never answers', async () => {
    const slow = neverAnswers();
    sts.on(GetCallerIdentityCommand).callsFake(slow.answer);
    const runner = new FakeRunner({ inputs: { ...OIDC, 'use-existing-credentials': 'true' } });
    const done = run(runner, world.env());
    await slow.started;
    await jest.advanceTimersByTimeAsync(30_000);
    await done;

    expectTimedOut(runner);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toEqual([]);
    expectMaskedFirst(runner, []);
  });

  it('leaves no timer behind when STS answers in time', async () => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumedRole());
    sts.on(GetCallerIdentityCommand).resolves(callerIdentity());
    const runner = new FakeRunner({ inputs: OIDC });
    await run(runner, world.env());

    expect(runner.failures).toEqual([]);
    expect(runner.exported.AWS_SESSION_TOKEN).toBeDefined();
    // A pending deadline would keep the step's process alive until it fired.
    expect(jest.getTimerCount()).toBe(0);
    expectMaskedFirst(runner, [...runner.issuedTokens, ...TEMP_SECRETS]);
  });
});
