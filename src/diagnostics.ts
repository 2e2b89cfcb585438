import { decodeJwt } from 'jose/jwt/decode';
import { arnAccount, arnPartition } from './partition.js';

// Why GitHub OIDC was refused. The trust policy can't be read from here (that would need IAM permissions the
// job rarely has), but the token can: its claims, set beside the statement that would admit exactly this
// job, show the user what to change. The token is decoded, never verified and never printed.

/** Claims trust policies match on, in the order they are shown. */
const SHOWN_CLAIMS = [
  'iss',
  'aud',
  'sub',
  'repository',
  'ref',
  'environment',
  'job_workflow_ref',
  'event_name',
] as const;

/** What the diagnosis needs to know about the refused call. */
export interface RefusalContext {
  readonly code: string;
  readonly roleArn: string;
  readonly token: string | undefined;
  readonly region: string;
  readonly actor: string;
}

/** A few lines for the log: the token's claims, an admitting trust policy statement, the likely causes. */
export function diagnoseWebIdentityRefusal(ctx: RefusalContext): string[] {
  const claims = decode(ctx.token);
  if (claims === undefined)
    return [`STS refused the web identity token (${ctx.code}); it could not be decoded to show its claims.`];
  const value = (name: string): string | undefined => {
    const raw = claims[name];
    if (raw === undefined || raw === null) return undefined;
    return Array.isArray(raw) ? raw.join(',') : String(raw);
  };
  const issuerHost = (value('iss') ?? 'token.actions.githubusercontent.com').replace(/^https:\/\//, '');
  const width = Math.max(...SHOWN_CLAIMS.map((name) => name.length));
  const statement = {
    Effect: 'Allow',
    Principal: {
      Federated: `arn:${arnPartition(ctx.roleArn)}:iam::${arnAccount(ctx.roleArn)}:oidc-provider/${issuerHost}`,
    },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { [`${issuerHost}:aud`]: value('aud') ?? '', [`${issuerHost}:sub`]: value('sub') ?? '' },
    },
  };
  const causes = likelyCauses(ctx, value);
  return [
    `Why STS refused the token (${ctx.code}) for ${ctx.roleArn}: the token's claims that trust policies match:`,
    ...SHOWN_CLAIMS.map((name) => `  ${name.padEnd(width)}  ${value(name) ?? '(not in the token)'}`),
    'A trust policy statement that admits exactly this job:',
    ...JSON.stringify(statement, null, 2)
      .split('\n')
      .map((line) => `  ${line}`),
    ...(causes.length > 0 ? ['Likely causes:', ...causes.map((cause) => `  - ${cause}`)] : []),
  ];
}

function likelyCauses(ctx: RefusalContext, value: (name: string) => string | undefined): string[] {
  const aud = value('aud') ?? '';
  const sub = value('sub') ?? '';
  const china = ctx.region.startsWith('cn-');
  return [
    ...(ctx.code.startsWith('InvalidIdentityToken')
      ? [
          `the account has no IAM OIDC identity provider for ${value('iss') ?? 'this issuer'}, or the provider's audience list lacks "${aud}"`,
        ]
      : []),
    ...(ctx.code.startsWith('IDPRejectedClaim')
      ? ['the identity provider in IAM rejected one of the claims above']
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
    ...(value('environment') !== undefined
      ? [
          `the job runs in environment "${value('environment')}", so its sub is "${sub}" (the environment form), not the branch form repo:…:ref:refs/heads/…`,
        ]
      : []),
    ...(value('event_name')?.startsWith('pull_request')
      ? [`pull request runs have sub "${sub}", which branch conditions (…:ref:refs/heads/…) don't match`]
      : []),
    ...(sub !== '' && !sub.startsWith('repo:')
      ? [
          'the sub claim is customised for this repository or organisation (it does not start with repo:): the trust policy must use the customised form shown above',
        ]
      : []),
    ...(ctx.actor === 'dependabot[bot]'
      ? ['Dependabot runs have their own sub and permissions; trust them explicitly if they should deploy']
      : []),
  ];
}

function decode(token: string | undefined): Record<string, unknown> | undefined {
  if (token === undefined) return undefined;
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}
