import { decodeJwt } from 'jose/jwt/decode';
import { codeOf, messageOf, redact } from './errors.js';
import { arnPartition } from './partition.js';
import type { SourceKind } from './sources/choose.js';

/** What was being attempted when STS (or the way to it) failed. */
export interface FailureContext {
  readonly call: 'AssumeRole' | 'AssumeRoleWithWebIdentity' | 'GetCallerIdentity';
  readonly source: SourceKind;
  readonly roleArn: string | undefined;
  readonly region: string;
  readonly endpoint: string;
  readonly sessionTagging: boolean;
  /** The web identity token, to quote its (non-secret) claims against the trust policy. */
  readonly token: string | undefined;
  /** GITHUB_ACTOR, for causes that depend on who runs the job (Dependabot). */
  readonly actor: string;
}

type Rule = {
  readonly codes: readonly string[];
  readonly when?: (ctx: FailureContext, message: string) => boolean;
  readonly hint: (ctx: FailureContext) => string;
};

const SOURCE_NAMES: Record<SourceKind, string> = {
  'github-oidc': 'the GitHub OIDC token',
  'token-file': 'the web-identity-token-file token',
  'static-keys': 'the access keys aws-access-key-id/aws-secret-access-key',
  existing: 'the credentials the job already has',
};

/** STS error codes (or Node network codes) and what the user should change, first match wins. */
const RULES: readonly Rule[] = [
  {
    codes: [
      'SignatureDoesNotMatch',
      'InvalidClientTokenId',
      'IncompleteSignature',
      'UnrecognizedClientException',
    ],
    hint: (ctx) =>
      `AWS rejected the request signature: ${SOURCE_NAMES[ctx.source]} are wrong, deactivated or deleted. ` +
      (ctx.source === 'static-keys'
        ? 'Check that the aws-access-key-id and aws-secret-access-key secrets hold a current key pair of the same IAM user (no extra spaces or line breaks).'
        : 'Check what a previous step exported (AWS_ACCESS_KEY_ID, AWS_PROFILE) or use unset-current-credentials: true.'),
  },
  {
    codes: ['ExpiredToken', 'ExpiredTokenException'],
    hint: (ctx) =>
      ctx.call === 'AssumeRoleWithWebIdentity'
        ? 'the web identity token expired before STS checked it: the runner clock may be off, or the token file is stale.'
        : `${SOURCE_NAMES[ctx.source]} ${ctx.source === 'static-keys' ? 'hold an expired aws-session-token' : 'have expired (a session from an earlier step?)'}: get fresh credentials first.`,
  },
  {
    codes: ['AccessDenied', 'AccessDeniedException'],
    when: (ctx) => ctx.call === 'AssumeRoleWithWebIdentity',
    hint: (ctx) => {
      const claims = tokenClaims(ctx.token);
      return (
        `the trust policy of ${ctx.roleArn} does not accept this token. It must allow sts:AssumeRoleWithWebIdentity for the federated principal ` +
        `arn:${arnPartition(ctx.roleArn ?? 'arn:aws')}:iam::<account>:oidc-provider/${claims.issuerHost ?? 'token.actions.githubusercontent.com'} with conditions that match the token` +
        (claims.sub
          ? `: ${claims.issuerHost ?? 'token.actions.githubusercontent.com'}:sub = "${claims.sub}" and :aud = "${claims.aud}".`
          : '.') +
        ' A StringEquals on sub must match exactly (branch, environment or pull_request form); use StringLike with * to allow several. The lines above show the claims and a statement that admits this job.'
      );
    },
  },
  {
    codes: ['AccessDenied', 'AccessDeniedException'],
    when: (ctx) => ctx.call === 'AssumeRole',
    hint: (ctx) =>
      `${SOURCE_NAMES[ctx.source]} may not assume ${ctx.roleArn}. The role's trust policy must name the caller as a principal with sts:AssumeRole` +
      (ctx.sessionTagging
        ? ' and sts:TagSession (the action sends session tags; or set role-skip-session-tagging: true)'
        : '') +
      ", and the caller's own IAM policies must allow sts:AssumeRole on the role." +
      (ctx.source === 'existing'
        ? ' If the job signed with a session an earlier step (or an earlier run on this self-hosted runner) left in AWS_ACCESS_KEY_ID/AWS_PROFILE, set unset-current-credentials: true.'
        : ''),
  },
  {
    codes: ['AccessDenied', 'AccessDeniedException'],
    hint: (ctx) => `${SOURCE_NAMES[ctx.source]} may not call sts:${ctx.call}.`,
  },
  {
    codes: ['InvalidIdentityToken', 'InvalidIdentityTokenException'],
    hint: (ctx) => {
      const claims = tokenClaims(ctx.token);
      return (
        `STS refused the token itself: the role's account needs an IAM OIDC identity provider for ${claims.iss ?? 'the token issuer'}` +
        ` whose audience list includes "${claims.aud ?? 'the audience input'}" (the audience input sets the token's aud).`
      );
    },
  },
  {
    codes: ['IDPRejectedClaim', 'IDPRejectedClaimException'],
    hint: (ctx) =>
      `the identity provider rejected a claim of the token for ${ctx.roleArn}: compare the claims shown above with the provider's and the trust policy's conditions.`,
  },
  {
    codes: ['IDPCommunicationError', 'IDPCommunicationErrorException'],
    hint: () =>
      'STS could not reach the identity provider to verify the token; this is usually brief, so run the job again.',
  },
  {
    codes: ['RegionDisabledException'],
    hint: (ctx) =>
      `STS is not activated in ${ctx.region} for this account: activate the region in IAM account settings or choose another aws-region.`,
  },
  {
    codes: ['ValidationError'],
    when: (_ctx, message) => /DurationSeconds|MaxSessionDuration|session duration/i.test(message),
    hint: () =>
      "role-duration-seconds is longer than the role allows: raise the role's maximum session duration or lower role-duration-seconds.",
  },
  {
    codes: ['PackedPolicyTooLarge', 'PackedPolicyTooLargeException'],
    hint: () =>
      'the session tags and policies are too large once packed: shorten custom-tags, inline-session-policy or managed-session-policies, or set role-skip-session-tagging: true.',
  },
  {
    codes: ['MalformedPolicyDocument', 'MalformedPolicyDocumentException'],
    hint: () =>
      'inline-session-policy or managed-session-policies is not a valid session policy: check the document against the IAM policy grammar.',
  },
  {
    codes: ['CredentialsProviderError'],
    hint: () =>
      'no AWS credentials were found in the job (environment, shared files, container or instance metadata). ' +
      'Add `permissions: id-token: write` to use GitHub OIDC, or pass aws-access-key-id and aws-secret-access-key.',
  },
  {
    codes: [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ETIMEDOUT',
      'ECONNRESET',
      'EHOSTUNREACH',
      'TimeoutError',
      'RequestTimeout',
    ],
    hint: (ctx) =>
      `could not reach STS at ${ctx.endpoint}: check sts-endpoint, http-proxy/no-proxy and the runner's network.`,
  },
];

/** One sentence on why an STS step failed and what to change, followed by what AWS said. */
export function explain(error: unknown, ctx: FailureContext): string {
  const code = codeOf(error) ?? '';
  // The token is redacted before the message is shortened (a shortened token would escape redaction).
  const message = firstSentences(ctx.token ? redact(messageOf(error), [ctx.token]) : messageOf(error));
  const rule = RULES.find((r) => r.codes.includes(code) && (r.when?.(ctx, message) ?? true));
  const said = code && !message.includes(code) ? `${code}: ${message}` : message;
  return rule ? `${rule.hint(ctx)} (AWS said: ${said})` : said;
}

/**
 * AWS messages can be long (SignatureDoesNotMatch quotes the whole canonical request, headers included):
 * keep the first two sentences, and at most 400 characters cut between words — never inside one, because a
 * cut secret no longer matches its mask or the redaction.
 */
function firstSentences(message: string): string {
  const sentences = message
    .split(/(?<=\.)\s+/)
    .slice(0, 2)
    .join(' ');
  if (sentences.length <= 400) return sentences;
  const cut = sentences.slice(0, 397);
  return `${cut.slice(0, Math.max(0, cut.lastIndexOf(' ')))} ...`;
}

function tokenClaims(token: string | undefined): {
  iss?: string;
  issuerHost?: string;
  sub?: string;
  aud?: string;
} {
  if (token === undefined) return {};
  try {
    const claims = decodeJwt(token);
    const aud = Array.isArray(claims.aud) ? claims.aud.join(',') : claims.aud;
    return {
      ...(claims.iss !== undefined && { iss: claims.iss, issuerHost: claims.iss.replace(/^https:\/\//, '') }),
      ...(claims.sub !== undefined && { sub: claims.sub }),
      ...(aud !== undefined && { aud }),
    };
  } catch {
    return {};
  }
}
