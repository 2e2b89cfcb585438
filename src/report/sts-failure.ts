import { ActionError, codeOf } from '../errors.js';
import { diagnoseWebIdentityRefusal } from './diagnostics.js';
import { explain, type FailureContext } from './explain.js';

/**
 * An STS failure as the step reports it: `Could not <what>: <why and what to change>`, with the web identity
 * diagnosis as details when STS refused a token.
 */
export function stsFailure(error: unknown, signal: AbortSignal, what: string, ctx: FailureContext): Error {
  if (signal.aborted) return signal.reason as Error;
  if (error instanceof ActionError) return error; // already says what happened and what to change
  const code = codeOf(error) ?? '';
  const refused =
    ctx.call === 'AssumeRoleWithWebIdentity' &&
    /^(AccessDenied|InvalidIdentityToken|IDPRejectedClaim)/.test(code);
  const details =
    refused && ctx.roleArn !== undefined
      ? diagnoseWebIdentityRefusal({
          code,
          roleArn: ctx.roleArn,
          token: ctx.token,
          region: ctx.region,
          actor: ctx.actor,
        })
      : [];
  return new ActionError(`Could not ${what}: ${explain(error, ctx)}`, { cause: error, details });
}
