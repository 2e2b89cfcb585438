import { describe, expect, it } from '@jest/globals';
import { ClassifiedRetryStrategy, FINAL_CODES, RETRYABLE_CODES, retryKind } from '../../src/sts/retry.js';

const awsError = (name: string, httpStatusCode?: number): Error =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode } });
const nodeError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

describe('retryKind', () => {
  it.each([
    ['Throttling', 400, 'THROTTLING'],
    ['ThrottlingException', 400, 'THROTTLING'],
    ['RequestLimitExceeded', 400, 'THROTTLING'],
    ['TooManyRequestsException', 400, 'THROTTLING'],
    ['SomethingNew', 429, 'THROTTLING'],
    ['IDPCommunicationError', 400, 'TRANSIENT'],
    ['InternalFailure', 500, 'TRANSIENT'],
    ['ServiceUnavailable', 503, 'TRANSIENT'],
    ['UnknownError', 502, 'TRANSIENT'],
    ['AccessDenied', 403, 'final'],
    ['ValidationError', 400, 'final'],
    ['InvalidIdentityToken', 400, 'final'],
    ['IDPRejectedClaim', 403, 'final'],
    ['ExpiredTokenException', 400, 'final'],
    ['MalformedPolicyDocument', 400, 'final'],
    ['InvalidClientTokenId', 403, 'final'],
    ['SignatureDoesNotMatch', 403, 'final'],
    ['RegionDisabledException', 403, 'final'],
    ['SomethingNew', 400, 'final'],
  ])('%s (HTTP %s) is %s', (name, status, kind) => {
    expect(retryKind(awsError(name, status))).toBe(kind);
  });

  it.each([
    ['ECONNRESET', 'TRANSIENT'],
    ['ECONNREFUSED', 'TRANSIENT'],
    ['ETIMEDOUT', 'TRANSIENT'],
    ['EPIPE', 'TRANSIENT'],
    ['EAI_AGAIN', 'TRANSIENT'],
    ['ENOTFOUND', 'final'],
  ])('network error %s is %s', (code, kind) => {
    expect(retryKind(nodeError(code))).toBe(kind);
  });

  it('retries a response that could not be parsed', () => {
    const truncated = Object.assign(
      new Error('Unexpected end of input\n  Deserialization error: to see the raw response…'),
      {
        $responseBodyText: '<AssumeRoleResponse><AssumeRoleResult><Cre',
      },
    );
    expect(retryKind(truncated)).toBe('TRANSIENT');
  });

  it('keeps the two tables apart', () => {
    expect([...RETRYABLE_CODES].filter((code) => FINAL_CODES.has(code))).toEqual([]);
  });
});

describe('ClassifiedRetryStrategy', () => {
  const info = (error: unknown) => ({ error: error as never, errorType: 'CLIENT_ERROR' as const });

  it('refuses to retry a final error, without telling onRetry', async () => {
    const retries: number[] = [];
    const strategy = new ClassifiedRetryStrategy(12, (_e, attempt) => retries.push(attempt));
    const token = await strategy.acquireInitialRetryToken('sts');
    await expect(
      strategy.refreshRetryTokenForRetry(token, info(awsError('AccessDenied', 403))),
    ).rejects.toThrow();
    expect(retries).toEqual([]);
  });

  it('retries a transient error until maxAttempts attempts were made in all', async () => {
    const retries: number[] = [];
    const strategy = new ClassifiedRetryStrategy(3, (_e, attempt, max) => retries.push(attempt * 10 + max));
    let token = await strategy.acquireInitialRetryToken('sts');
    token = await strategy.refreshRetryTokenForRetry(token, info(nodeError('ECONNRESET')));
    token = await strategy.refreshRetryTokenForRetry(token, info(nodeError('ECONNRESET')));
    await expect(strategy.refreshRetryTokenForRetry(token, info(nodeError('ECONNRESET')))).rejects.toThrow();
    expect(retries).toEqual([13, 23]);
  });

  it('makes one attempt only with maxAttempts 1 (disable-retry)', async () => {
    const strategy = new ClassifiedRetryStrategy(1);
    const token = await strategy.acquireInitialRetryToken('sts');
    await expect(strategy.refreshRetryTokenForRetry(token, info(nodeError('ECONNRESET')))).rejects.toThrow();
  });
});
