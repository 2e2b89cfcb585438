import type { AssumeRoleCommandInput } from '@aws-sdk/client-sts';
import { codeOf, messageOf, redact } from '../errors.js';
import { decodeClaims, GITHUB_ISSUER_HOST, subjectForms } from './oidc-claims.js';
import { arnAccount, arnPartition } from '../partition.js';
import type { SourceKind } from '../sources/choose.js';

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
  /** The last AssumeRole request sent, to say what its tags and policies weigh when STS finds them too large. */
  readonly assumeInput?: AssumeRoleCommandInput | undefined;
  /** Who signed the request when it was not the source itself: a role session of the chain, say. */
  readonly caller?: string | undefined;
}

/** Who made the request, for the hints: the chain's session that signed it, or the source. */
function callerOf(ctx: FailureContext): string {
  return ctx.caller ?? SOURCE_NAMES[ctx.source];
}

type Rule = {
  readonly codes: readonly string[];
  readonly when?: (ctx: FailureContext, message: string) => boolean;
  readonly hint: (ctx: FailureContext, message: string) => string;
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
      ctx.caller !== undefined
        ? `AWS rejected the request signature of ${ctx.caller}, which STS issued moments before: check that sts-endpoint and any proxy pass requests on unchanged.`
        : `AWS rejected the request signature: ${callerOf(ctx)} are wrong, deactivated or deleted. ` +
          (ctx.source === 'static-keys'
            ? 'Check that the aws-access-key-id and aws-secret-access-key secrets hold a current key pair of the same IAM user (no extra spaces or line breaks).'
            : 'Check what a previous step exported (AWS_ACCESS_KEY_ID, AWS_PROFILE) or use unset-current-credentials: true.'),
  },
  {
    codes: ['ExpiredToken', 'ExpiredTokenException'],
    hint: (ctx) =>
      ctx.call === 'AssumeRoleWithWebIdentity'
        ? 'the web identity token expired before STS checked it: the runner clock may be off, or the token file is stale.'
        : ctx.caller !== undefined
          ? `${ctx.caller} expired before this request: the runner's clock may be off.`
          : `${callerOf(ctx)} ${ctx.source === 'static-keys' ? 'hold an expired aws-session-token' : 'have expired (a session from an earlier step?)'}: get fresh credentials first.`,
  },
  {
    codes: ['AccessDenied', 'AccessDeniedException'],
    when: (ctx) => ctx.call === 'AssumeRoleWithWebIdentity',
    hint: (ctx) => {
      const claims = decodeClaims(ctx.token);
      const host = claims?.issuerHost ?? GITHUB_ISSUER_HOST;
      const subject = claims && subjectForms(claims);
      const form =
        subject?.form === 'immutable'
          ? ' (the immutable form; a policy written for repo:OWNER/REPO:… refuses it)'
          : subject?.form === 'name' && subject.other !== undefined
            ? ' (the name form; a policy written for repo:OWNER@OWNER_ID/REPO@REPO_ID:… refuses it)'
            : '';
      return (
        `the trust policy of ${ctx.roleArn} does not accept this token. It must allow sts:AssumeRoleWithWebIdentity for the federated principal ` +
        `arn:${arnPartition(ctx.roleArn ?? 'arn:aws')}:iam::${ctx.roleArn === undefined ? '<account>' : arnAccount(ctx.roleArn)}:oidc-provider/${host} with conditions that match the token` +
        (subject
          ? `: ${host}:sub = "${subject.sub}"${form} and :aud = "${claims.value('aud') ?? ''}".`
          : '.') +
        ' A StringEquals on sub must match exactly (branch, environment or pull_request form); use StringLike with * to allow several. The lines above show the condition keys and a statement that admits this job.'
      );
    },
  },
  {
    codes: ['AccessDenied', 'AccessDeniedException'],
    when: (ctx, message) => ctx.call === 'AssumeRole' && /sts:TagSession/.test(message),
    hint: (ctx) => {
      const tags = ctx.assumeInput?.Tags?.length ?? 0;
      return (
        `${ctx.roleArn} may be assumed by this caller but not with session tags: its trust policy lacks sts:TagSession for the caller AWS names at the end ` +
        `(the action sent ${tags} session tag${tags === 1 ? '' : 's'}; the caller's own IAM policy must allow sts:TagSession too). ` +
        'Either add "sts:TagSession" to the Action of the trust policy statement that admits the caller (Action: ["sts:AssumeRole", "sts:TagSession"]), ' +
        'or set role-skip-session-tagging: true to assume the role without tags.'
      );
    },
  },
  {
    codes: ['AccessDenied', 'AccessDeniedException'],
    when: (ctx) => ctx.call === 'AssumeRole',
    hint: (ctx) =>
      `${callerOf(ctx)} may not assume ${ctx.roleArn}. The role's trust policy must name the caller as a principal with sts:AssumeRole` +
      (ctx.sessionTagging
        ? ' and sts:TagSession (the action sends session tags; or set role-skip-session-tagging: true)'
        : '') +
      ", and the caller's own IAM policies must allow sts:AssumeRole on the role." +
      (ctx.caller === undefined && ctx.source === 'existing'
        ? ' If the job signed with a session an earlier step (or an earlier run on this self-hosted runner) left in AWS_ACCESS_KEY_ID/AWS_PROFILE, set unset-current-credentials: true.'
        : ''),
  },
  {
    codes: ['AccessDenied', 'AccessDeniedException'],
    hint: (ctx) => `${callerOf(ctx)} may not call sts:${ctx.call}.`,
  },
  {
    codes: ['InvalidIdentityToken', 'InvalidIdentityTokenException'],
    hint: (ctx) => {
      const claims = decodeClaims(ctx.token);
      return (
        `STS refused the token itself: the role's account needs an IAM OIDC identity provider for ${claims?.value('iss') ?? 'the token issuer'}` +
        ` whose audience list includes "${claims?.value('aud') ?? 'the audience input'}" (the audience input sets the token's aud).`
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
    hint: (ctx, message) =>
      `the session tags and policies are too large once packed${packedBudget(ctx, message)}: shorten custom-tags, inline-session-policy or managed-session-policies, or set role-skip-session-tagging: true.`,
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
  return rule ? `${rule.hint(ctx, message)} (AWS said: ${said})` : said;
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

/**
 * What the refused request weighed: STS says how much of the packed budget it used ("Packed policy consumes
 * 112% of allotted space"), and the characters of what the action sent say how much of that the tags take.
 */
function packedBudget(ctx: FailureContext, message: string): string {
  const input = ctx.assumeInput;
  const percent = /(\d{1,4})\s*%/.exec(message)?.[1];
  const used = percent === undefined ? '' : `: STS says they use ${percent}% of the allowed size`;
  if (input === undefined) return percent === undefined ? '' : `${used}. Fix it`;
  const tags = input.Tags ?? [];
  const tagChars = tags.reduce((sum, tag) => sum + (tag.Key?.length ?? 0) + (tag.Value?.length ?? 0), 0);
  const policyChars = input.Policy?.length ?? 0;
  const arns = input.PolicyArns ?? [];
  const arnChars = arns.reduce((sum, { arn }) => sum + (arn?.length ?? 0), 0);
  const total = tagChars + policyChars + arnChars;
  const share = total === 0 ? 0 : tagChars / total;
  const budget = percent === undefined ? '' : `, about ${Math.round(Number(percent) * share)}% of the budget`;
  return (
    `${used}. The ${tags.length} session tags (${tagChars} characters of keys and values) are ${Math.round(share * 100)}% of the characters sent${budget}` +
    (policyChars > 0 ? `; inline-session-policy has ${policyChars} characters` : '') +
    (arns.length > 0 ? `; managed-session-policies names ${arns.length} ARNs` : '') +
    '. Fix it'
  );
}
