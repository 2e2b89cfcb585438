import { StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryErrorType, RetryStrategyV2, StandardRetryToken } from '@smithy/types';
import { codeOf } from '../errors.js';

// What is worth another attempt. The AWS SDK's StandardRetryStrategy does the backoff (exponential, full
// jitter, capped at 20 s) and counts attempts; this table only decides which failures it may retry, because
// the SDK's own classification also retries errors that never go away by themselves (an unknown host).

/** Errors that can succeed later: throttling, server trouble, the identity provider being briefly away. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
  'IDPCommunicationError',
  'IDPCommunicationErrorException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  // Node network errors: reset, refused, timed out, broken pipe, socket hang up (ECONNRESET), DNS hiccup.
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'IncompleteResponse',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

/** Errors that will fail the same way every time: fail at once with the cause. */
export const FINAL_CODES: ReadonlySet<string> = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ValidationError',
  'InvalidIdentityToken',
  'InvalidIdentityTokenException',
  'IDPRejectedClaim',
  'IDPRejectedClaimException',
  'ExpiredToken',
  'ExpiredTokenException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'PackedPolicyTooLarge',
  'PackedPolicyTooLargeException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'RegionDisabledException',
  'CredentialsProviderError',
  'AbortError',
  'ENOTFOUND',
]);

const THROTTLING_CODES: ReadonlySet<string> = new Set(
  [...RETRYABLE_CODES].filter((code) => /thrott|limit|many|slowdown/i.test(code)),
);

/** How a failure should be retried: not at all, or as throttling (longer backoff) or a transient fault. */
export function retryKind(error: unknown): 'final' | RetryErrorType {
  const code = codeOf(error) ?? '';
  if (FINAL_CODES.has(code)) return 'final';
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  if (status === 429 || THROTTLING_CODES.has(code)) return 'THROTTLING';
  if (RETRYABLE_CODES.has(code) || (status !== undefined && status >= 500 && status <= 599))
    return 'TRANSIENT';
  if (isTruncatedResponse(error)) return 'TRANSIENT';
  return 'final';
}

/** A short name for a failure in a retry log line: its code, or what kind of failure it is. */
export function failureLabel(error: unknown): string {
  return codeOf(error) ?? (isTruncatedResponse(error) ? 'unreadable answer' : 'error');
}

/** A response that could not be parsed (cut off, not XML): the next one may be whole. */
function isTruncatedResponse(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { message?: unknown; $responseBodyText?: unknown };
  return (
    e.$responseBodyText !== undefined ||
    (typeof e.message === 'string' && e.message.includes('Deserialization error'))
  );
}

/** Called before each retry, with the failure and the attempt that failed (1-based). */
export type OnRetry = (error: unknown, failedAttempt: number, maxAttempts: number) => void;

/** The SDK's standard strategy, retrying only what `retryKind` allows, at most `maxAttempts` attempts in all. */
export class ClassifiedRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';
  private readonly inner: StandardRetryStrategy;

  constructor(
    private readonly maxAttempts: number,
    private readonly onRetry: OnRetry = () => undefined,
  ) {
    this.inner = new StandardRetryStrategy(maxAttempts);
  }

  acquireInitialRetryToken(scope: string): Promise<StandardRetryToken> {
    return this.inner.acquireInitialRetryToken(scope);
  }

  async refreshRetryTokenForRetry(
    token: StandardRetryToken,
    info: RetryErrorInfo,
  ): Promise<StandardRetryToken> {
    const kind = retryKind(info.error);
    const failedAttempt = token.getRetryCount() + 1;
    if (kind === 'final' || failedAttempt >= this.maxAttempts) throw new Error('not retried');
    this.onRetry(info.error, failedAttempt, this.maxAttempts);
    return this.inner.refreshRetryTokenForRetry(token, { ...info, errorType: kind });
  }

  recordSuccess(token: StandardRetryToken): void {
    this.inner.recordSuccess(token);
  }
}

/**
 * Runs `attempt` until it succeeds, a failure is final, or `maxAttempts` attempts were made, with the same
 * classification and backoff as the SDK's requests. For work the SDK can't retry by itself: a new OIDC
 * token for each AssumeRoleWithWebIdentity attempt, and the token request.
 */
export async function retrying<T>(
  attempt: () => Promise<T>,
  { maxAttempts, onRetry, signal }: { maxAttempts: number; onRetry: OnRetry; signal: AbortSignal },
): Promise<T> {
  const strategy = new ClassifiedRetryStrategy(maxAttempts, onRetry);
  let token = await strategy.acquireInitialRetryToken('');
  for (;;) {
    try {
      const result = await attempt();
      strategy.recordSuccess(token);
      return result;
    } catch (error) {
      if (signal.aborted) throw error;
      try {
        token = await strategy.refreshRetryTokenForRetry(token, {
          error: error as never,
          errorType: 'CLIENT_ERROR',
        });
      } catch {
        throw error;
      }
      // Older strategies leave the backoff to the caller; newer ones have slept already (delay 0).
      const delay = token.getRetryDelay();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
