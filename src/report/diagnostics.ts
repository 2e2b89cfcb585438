import {
  CONDITION_KEY_CLAIMS,
  decodeClaims,
  GITHUB_ISSUER_HOST,
  OTHER_ISSUER_KEY_CLAIMS,
  subjectForms,
  type Subject,
  type TokenClaims,
} from './oidc-claims.js';
import { arnAccount, arnPartition } from '../partition.js';

// Why GitHub OIDC was refused. The trust policy can't be read from here (that would need IAM permissions the
// job rarely has), but the token can: its subject in both of GitHub's forms, the values of every claim STS checks
// as a condition key, and the statement that would admit exactly this job show the user what to change. The
// token is decoded, never verified and never printed.

/** What the diagnosis needs to know about the refused call. */
export interface RefusalContext {
  readonly code: string;
  readonly roleArn: string;
  readonly token: string | undefined;
  readonly region: string;
  readonly actor: string;
}

/** A few lines for the log: issuer, subject forms, condition-key values, an admitting statement, likely causes. */
export function diagnoseWebIdentityRefusal(ctx: RefusalContext): string[] {
  const claims = decodeClaims(ctx.token);
  if (claims === undefined)
    return [`STS refused the web identity token (${ctx.code}); it could not be decoded to show its claims.`];
  const host = claims.issuerHost;
  const providerArn = `arn:${arnPartition(ctx.roleArn)}:iam::${arnAccount(ctx.roleArn)}:oidc-provider/${host}`;
  const subject = subjectForms(claims);
  const keyClaims: readonly string[] = claims.github ? CONDITION_KEY_CLAIMS : OTHER_ISSUER_KEY_CLAIMS;
  const present = keyClaims.filter((name) => claims.value(name) !== undefined);
  const absent = keyClaims.filter((name) => claims.value(name) === undefined);
  const width = Math.max(...present.map((name) => name.length));
  const statement = {
    Effect: 'Allow',
    Principal: { Federated: providerArn },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: {
        [`${host}:aud`]: claims.value('aud') ?? '',
        [`${host}:sub`]: claims.value('sub') ?? '',
      },
    },
  };
  const causes = likelyCauses(ctx, claims, subject);
  return [
    `Why STS refused the token (${ctx.code}) for ${ctx.roleArn}:`,
    `  issuer   ${claims.value('iss') ?? '(not in the token)'}, whose IAM OIDC provider is ${providerArn}`,
    ...subjectLines(subject),
    `The condition keys STS checks (${host}:<key>) and this token's values:`,
    ...present.map((name) => `  ${name.padEnd(width)}  ${claims.value(name) ?? ''}`),
    ...(absent.length > 0 ? [`  (not in this token: ${absent.join(', ')})`] : []),
    'A trust policy statement that admits exactly this job:',
    ...JSON.stringify(statement, null, 2)
      // The one-key principal on one line: the statement stays short enough to take in at a glance.
      .replace(/\{\n\s*("Federated": "[^"\n]*")\n\s*\}/, '{ $1 }')
      .split('\n')
      .map((line) => `  ${line}`),
    ...bothFormsLine(host, subject),
    ...(causes.length > 0 ? ['Likely causes:', ...causes.map((cause) => `  - ${cause}`)] : []),
  ];
}

/** The token's subject, which form it has, and the other form that a policy written for it would refuse. */
function subjectLines(subject: Subject | undefined): string[] {
  if (subject === undefined) return ['  subject  (the token has no sub claim)'];
  switch (subject.form) {
    case 'immutable':
      return [
        `  subject  ${subject.sub} (the immutable form repo:OWNER@OWNER_ID/REPO@REPO_ID, the default for repositories created or renamed since 2026-07-15)`,
        `  not      ${subject.other ?? ''} (the name form: a trust policy written for it refuses this token)`,
      ];
    case 'name':
      return [
        `  subject  ${subject.sub} (the name form repo:OWNER/REPO)`,
        subject.other === undefined
          ? '  not      an immutable form: the token has no repository_owner_id/repository_id (GitHub Enterprise Server has only the name form)'
          : `  not      ${subject.other} (the immutable form: a trust policy written for it refuses this token)`,
      ];
    case 'other-issuer':
      return [`  subject  ${subject.sub}`];
    case 'custom':
      return [
        `  subject  ${subject.sub} (a customised subject template, neither repo:OWNER/REPO:… nor repo:OWNER@OWNER_ID/REPO@REPO_ID:…: the trust policy must match this form)`,
      ];
  }
}

/** How a policy admits both forms of this subject, pinned to the repository by its id. */
function bothFormsLine(host: string, subject: Subject | undefined): string[] {
  if (subject?.other === undefined || subject.repositoryId === undefined) return [];
  const forms = subject.form === 'name' ? [subject.sub, subject.other] : [subject.other, subject.sub];
  return [
    `To admit both subject forms (while the repository changes form), use "StringLike": { "${host}:sub": ${JSON.stringify(forms)} } ` +
      `with "StringEquals": { "${host}:repository_id": "${subject.repositoryId}" }, which keeps a reused name out.`,
  ];
}

function likelyCauses(ctx: RefusalContext, claims: TokenClaims, subject: Subject | undefined): string[] {
  const aud = claims.value('aud') ?? '';
  const sub = claims.value('sub') ?? '';
  const issuer = claims.value('iss') ?? 'this issuer';
  const china = ctx.region.startsWith('cn-');
  const enterprise = claims.issuerHost.startsWith(`${GITHUB_ISSUER_HOST}/`);
  const denied = ctx.code.startsWith('AccessDenied');
  return [
    ...(ctx.code.startsWith('InvalidIdentityToken')
      ? [
          `the account has no IAM OIDC identity provider for ${issuer}, or the provider's audience list lacks "${aud}"`,
        ]
      : []),
    ...(ctx.code.startsWith('IDPRejectedClaim')
      ? ['the identity provider in IAM rejected one of the claims above']
      : []),
    ...(enterprise
      ? [
          `the token comes from your enterprise's issuer ${issuer}: the role must trust the IAM OIDC provider for ${claims.issuerHost} (not the public ${GITHUB_ISSUER_HOST}), and its condition keys start with ${claims.issuerHost}:`,
        ]
      : []),
    ...(denied && subject?.form === 'immutable'
      ? [
          `this repository has the immutable subject form, so a trust policy written as ${subject.other ?? 'repo:OWNER/REPO:…'} (older guides and templates) refuses it: use the statement above, or admit both forms`,
        ]
      : []),
    ...(china && aud !== 'sts.amazonaws.com.cn'
      ? [
          `in China regions the audience is usually sts.amazonaws.com.cn, but the token's aud is "${aud}": set the audience input or the provider's audience list to match`,
        ]
      : []),
    ...(!china && aud !== 'sts.amazonaws.com'
      ? [
          `the audience is custom ("${aud}"): the IAM OIDC provider's audience list and the trust policy's :aud condition must both name it`,
        ]
      : []),
    ...(claims.value('environment') !== undefined
      ? [
          `the job runs in environment "${claims.value('environment')}", so its sub is "${sub}" (the environment form), not the branch form …:ref:refs/heads/…`,
        ]
      : []),
    ...(claims.value('event_name')?.startsWith('pull_request')
      ? [`pull request runs have sub "${sub}", which branch conditions (…:ref:refs/heads/…) don't match`]
      : []),
    ...(ctx.actor === 'dependabot[bot]'
      ? ['Dependabot runs have their own sub and permissions; trust them explicitly if they should deploy']
      : []),
  ];
}
