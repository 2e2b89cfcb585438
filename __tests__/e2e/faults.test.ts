// Faults between the action and STS (and GitHub's ID-token endpoint), injected by the world's proxy: what can
// succeed later is retried with a fresh OIDC token per attempt, what can't fails at once, and action-timeout-s
// ends the step on time naming what it was doing. Every step passes the secrets rule (runAction), failures too.
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createServer } from 'node:http';
import { useWorld } from './fixture.js';
import {
  attemptsOf,
  expectCredentials,
  expectFailedCleanly,
  expectFreshTokenPerAttempt,
  noteFigure,
  resetFaults,
  retryLines,
  runTimed,
} from './step-checks.js';
import { closeServer, listenOnLoopback } from './world/listen.js';
import type { Fault } from './world/recording-proxy.js';

// jest's testTimeout is a global option (the project-level one in jest.config.js is not applied): a held
// connection takes 5 s to time out, and a stuck step is killed by the runner emulator after 30 s.
jest.setTimeout(45_000);
const world = useWorld();
beforeEach(() => resetFaults(world()));

const stsError = (status: number, code: string, message?: string): Fault => ({
  kind: 'error',
  status,
  code,
  ...(message !== undefined && { message }),
});
const RATE_EXCEEDED = stsError(400, 'Throttling', 'Rate exceeded');
const LOAD_BALANCER_502: Fault = {
  kind: 'body',
  status: 502,
  body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
  contentType: 'text/html',
};
/** Proxies on flaky networks answer 200 with a page of their own: unparseable for the SDK. */
const CAPTIVE_PORTAL: Fault = {
  kind: 'body',
  status: 200,
  body: '<html><head><title>Sign in to the network</title></head></html>',
  contentType: 'text/html',
};

/** GitHub OIDC against the seeded deploy role: the matrix job of the issue. */
const oidcJob = (options: { debug?: boolean } = {}) =>
  world().newJob({ idToken: true, stepTimeoutMs: 30_000, ...options });
const deploy = () => ({ 'role-to-assume': world().account.deployRole });

describe('transient STS faults: retried until they pass, a fresh OIDC token each attempt', () => {
  it.each<{ name: string; faults: Fault[] }>([
    { name: 'Throttling (HTTP 400), twice', faults: [RATE_EXCEEDED, RATE_EXCEEDED] },
    { name: 'ThrottlingException', faults: [stsError(400, 'ThrottlingException')] },
    { name: 'RequestLimitExceeded', faults: [stsError(400, 'RequestLimitExceeded')] },
    { name: 'TooManyRequestsException (HTTP 429)', faults: [stsError(429, 'TooManyRequestsException')] },
    {
      name: 'HTTP 500 then 503',
      faults: [stsError(500, 'InternalFailure'), stsError(503, 'ServiceUnavailable')],
    },
    { name: "a load balancer's HTML 502", faults: [LOAD_BALANCER_502] },
    { name: 'IDPCommunicationError', faults: [stsError(400, 'IDPCommunicationError')] },
    { name: 'an answer cut off halfway', faults: [{ kind: 'truncated' }] },
    { name: 'an answer cut off near its end', faults: [{ kind: 'truncated', keep: 0.9 }] },
    { name: 'an unparseable answer (HTML with HTTP 200)', faults: [CAPTIVE_PORTAL] },
    { name: 'a reset connection, twice', faults: [{ kind: 'reset' }, { kind: 'reset' }] },
  ])('$name', async ({ faults }) => {
    world().sts.injectFaults(...faults);
    const { step } = await runTimed(world(), oidcJob(), deploy());

    expectCredentials(step);
    const attempts = attemptsOf(world(), 'AssumeRoleWithWebIdentity');
    expect(attempts).toHaveLength(faults.length + 1);
    expect(attempts.at(-1)?.fault).toBeUndefined();
    expect(retryLines(step, 'STS request').map(({ attempt, of }) => `${attempt}/${of}`)).toEqual(
      faults.map((_, n) => `${n + 1}/12`),
    );
    expectFreshTokenPerAttempt(world());
  });

  it('a connection held open: the attempt times out after 5 s and the next one passes', async () => {
    world().sts.injectFaults({ kind: 'hold' });
    const job = world().newJob({ idToken: true, stepTimeoutMs: 15_000 });
    const { step, ms } = await runTimed(world(), job, deploy());

    expectCredentials(step);
    expect(attemptsOf(world(), 'AssumeRoleWithWebIdentity')).toHaveLength(2);
    expect(retryLines(step, 'STS request')).toHaveLength(1);
    expectFreshTokenPerAttempt(world());
    noteFigure('faults.heldConnectionRecoveryMs', ms);
  });

  it('signed calls too: AssumeRole with access keys, and GetCallerIdentity', async () => {
    const { account } = world();
    const keys = {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
    };
    world().sts.injectFaults(stsError(400, 'Throttling'), { kind: 'reset' });
    const assumed = await runTimed(world(), world().newJob(), { ...keys, ...deploy() });
    expectCredentials(assumed.step);
    expect(attemptsOf(world(), 'AssumeRole')).toHaveLength(3);
    expect(attemptsOf(world(), 'AssumeRole').every((request) => request.signed)).toBe(true);

    world().sts.injectFaults(stsError(503, 'ServiceUnavailable'));
    const checked = await runTimed(world(), world().newJob(), keys);
    expect(checked.step.exitCode).toBe(0);
    expect(attemptsOf(world(), 'GetCallerIdentity')).toHaveLength(2);
  });
});

describe('errors that will not go away: one attempt, then the cause', () => {
  it.each([
    [403, 'AccessDenied'],
    [400, 'ValidationError'],
    [400, 'InvalidIdentityToken'],
    [403, 'IDPRejectedClaim'],
    [400, 'ExpiredTokenException'],
    [400, 'MalformedPolicyDocument'],
    [403, 'InvalidClientTokenId'],
    [403, 'SignatureDoesNotMatch'],
    [403, 'RegionDisabledException'],
  ])('HTTP %i %s', async (status, code) => {
    world().sts.injectFaults(stsError(status, code), stsError(status, code));
    const job = oidcJob();
    const { step, ms } = await runTimed(world(), job, deploy());

    const error = expectFailedCleanly(step, job);
    expect(error).toContain(code);
    expect(attemptsOf(world(), 'AssumeRoleWithWebIdentity')).toHaveLength(1);
    expect(retryLines(step, 'STS request')).toEqual([]);
    if (code === 'AccessDenied') {
      expect(ms).toBeLessThan(3_000);
      noteFigure('faults.accessDeniedMs', ms);
    }
  });
});

describe('retries are bounded: disable-retry, retry-max-attempts', () => {
  it('disable-retry: a throttled request is tried once', async () => {
    world().sts.injectFaults(stsError(400, 'Throttling'));
    const job = oidcJob();
    const { step } = await runTimed(world(), job, { ...deploy(), 'disable-retry': true });

    expect(expectFailedCleanly(step, job)).toContain('Throttling');
    expect(attemptsOf(world(), 'AssumeRoleWithWebIdentity')).toHaveLength(1);
  });

  it('nothing listening (ECONNREFUSED): retried up to retry-max-attempts, then that cause', async () => {
    const closed = createServer();
    const port = (await listenOnLoopback(closed)).split(':')[2] ?? '';
    await closeServer(closed);
    const job = oidcJob();
    const { step } = await runTimed(world(), job, {
      ...deploy(),
      'sts-endpoint': `http://127.0.0.1:${port}`,
      'retry-max-attempts': 3,
    });

    expect(expectFailedCleanly(step, job)).toContain('ECONNREFUSED');
    expect(retryLines(step, 'STS request')).toEqual([
      { attempt: 1, of: 3, code: 'ECONNREFUSED' },
      { attempt: 2, of: 3, code: 'ECONNREFUSED' },
    ]);
  });

  it('retry-max-attempts: 3 attempts in all, then the last cause; nothing exported, no profile written', async () => {
    world().sts.injectFaults(...Array.from({ length: 5 }, () => stsError(400, 'Throttling')));
    const job = oidcJob();
    const { step, endedAt } = await runTimed(world(), job, {
      ...deploy(),
      'retry-max-attempts': 3,
      'aws-profile': 'deploy',
      'output-credentials': true,
    });

    expect(expectFailedCleanly(step, job)).toContain('Throttling');
    const attempts = attemptsOf(world(), 'AssumeRoleWithWebIdentity');
    expect(attempts).toHaveLength(3);
    // Not asserted (no sleep is expected after the last attempt; a backoff would be up to 2 s here): noted.
    noteFigure('faults.lastAttemptToExitMs', endedAt - (attempts.at(-1)?.at ?? endedAt));
    expect(retryLines(step, 'STS request').map(({ attempt, of }) => `${attempt}/${of}`)).toEqual([
      '1/3',
      '2/3',
    ]);
  });
});

describe("GitHub's ID-token endpoint", () => {
  it.each<[string, 503 | 'reset', number]>([
    ['HTTP 503, twice', 503, 2],
    ['a reset connection', 'reset', 1],
  ])('%s: the token request is retried, then the role assumed', async (_name, how, count) => {
    world().oidc.failNext(count, how);
    const { step } = await runTimed(world(), oidcJob(), deploy());

    expectCredentials(step);
    expect(world().oidc.requests).toHaveLength(count + 1);
    expect(retryLines(step, 'GitHub ID-token request')).toHaveLength(count);
    expect(attemptsOf(world(), 'AssumeRoleWithWebIdentity')).toHaveLength(1);
  });

  it.each([401, 403])('HTTP %i: refused at once, explained, STS never asked', async (status) => {
    world().oidc.failNext(2, status);
    const job = oidcJob();
    const { step } = await runTimed(world(), job, deploy());

    const error = expectFailedCleanly(step, job);
    expect(error.startsWith(`GitHub refused the OIDC token request (HTTP ${status})`)).toBe(true);
    expect(world().oidc.requests).toHaveLength(1);
    expect(world().sts.requests).toEqual([]);
  });
});

describe('action-timeout-s: the step ends on time, naming its stage, exporting nothing', () => {
  /** The deadline was honoured: the whole process ended within 2.5 s of it. */
  const expectOnTime = (ms: number, seconds: number, figure: string) => {
    noteFigure(`faults.deadline.${figure}`, { timeoutMs: seconds * 1000, stepMs: ms });
    expect(ms).toBeLessThanOrEqual(seconds * 1000 + 2_500);
  };
  const ranOutWhile = (stage: string) =>
    new RegExp(
      `^The step ran out of time while ${stage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b.*Nothing was exported`,
    );

  it('STS holds the connection open: fails while assuming the role, before the 5 s attempt limit', async () => {
    world().sts.injectFaults({ kind: 'hold' }, { kind: 'hold' });
    const job = oidcJob();
    const { step, ms } = await runTimed(world(), job, {
      ...deploy(),
      'action-timeout-s': 2,
      'aws-profile': 'deploy',
      'output-credentials': true,
    });

    expect(expectFailedCleanly(step, job)).toMatch(
      ranOutWhile(`assuming the role ${world().account.deployRole}`),
    );
    expectOnTime(ms, 2, 'stsHeldOpen');
  });

  it('STS keeps throttling: the pending backoff does not keep the process alive', async () => {
    world().sts.injectFaults(...Array.from({ length: 30 }, () => stsError(400, 'Throttling')));
    const job = oidcJob();
    // 2 s: the SDK's first throttling backoff is up to 1 s (full jitter), so a second attempt always fits in
    // and a later backoff is pending when the time runs out.
    const { step, ms } = await runTimed(world(), job, {
      ...deploy(),
      'action-timeout-s': 2,
      'retry-max-attempts': 30,
    });

    expect(expectFailedCleanly(step, job)).toMatch(
      ranOutWhile(`assuming the role ${world().account.deployRole}`),
    );
    expectOnTime(ms, 2, 'stsThrottling');
    expect(attemptsOf(world(), 'AssumeRoleWithWebIdentity').length).toBeGreaterThan(1);
  });

  it.each<[string, 503 | 'hold', number]>([
    ['keeps answering 503', 503, 50],
    ['holds the connection open', 'hold', 2],
  ])('the ID-token endpoint %s: fails while fetching the token', async (_name, how, count) => {
    world().oidc.failNext(count, how);
    const job = oidcJob();
    const { step, ms } = await runTimed(world(), job, { ...deploy(), 'action-timeout-s': 1 });

    expect(expectFailedCleanly(step, job)).toMatch(ranOutWhile('fetching the GitHub OIDC token'));
    expectOnTime(ms, 1, `idToken${how === 503 ? '503' : 'HeldOpen'}`);
    expect(world().sts.requests).toEqual([]);
  });

  it('GetCallerIdentity held open: fails while checking the source credentials', async () => {
    const { account } = world();
    world().sts.injectFaults({ kind: 'hold' }, { kind: 'hold' });
    const job = world().newJob();
    const { step, ms } = await runTimed(world(), job, {
      'aws-access-key-id': account.accessKeyId,
      'aws-secret-access-key': account.secretAccessKey,
      'action-timeout-s': 1,
    });

    expect(expectFailedCleanly(step, job)).toMatch(ranOutWhile('checking the source credentials'));
    expectOnTime(ms, 1, 'getCallerIdentityHeldOpen');
  });
});

describe('with RUNNER_DEBUG=1 the same faults leak nothing and show a stack only as debug lines', () => {
  it.each<[string, Fault[], Record<string, string | number>]>([
    ['throttled, then assumed', [stsError(400, 'Throttling')], {}],
    ['AccessDenied', [stsError(403, 'AccessDenied')], {}],
    ['a truncated answer with disable-retry', [{ kind: 'truncated' }], { 'disable-retry': 'true' }],
    ['out of time', [{ kind: 'hold' }], { 'action-timeout-s': 1 }],
  ])('%s', async (name, faults, inputs) => {
    world().sts.injectFaults(...faults);
    const job = oidcJob({ debug: true });
    const { step } = await runTimed(world(), job, { ...deploy(), ...inputs });

    if (name === 'throttled, then assumed') expectCredentials(step);
    else expectFailedCleanly(step, job);
    // The answer's XML (cut-off credentials included) is never dumped into the log.
    expect(step.log).not.toMatch(/<(SecretAccessKey|SessionToken|Credentials)>/);
  });
});
