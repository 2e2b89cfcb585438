import { decodeJwt } from 'jose/jwt/decode';

// What a GitHub OIDC token says, for explaining a refusal: its claims (decoded, never verified, never printed as
// a token) and its subject in both of GitHub's forms. Since 2026-07-15 repositories created or renamed get the
// immutable subject repo:OWNER@OWNER_ID/REPO@REPO_ID:… by default; older ones keep repo:OWNER/REPO:… unless
// they opt in; a trust policy written for one form refuses the other.

/** The claims STS checks as trust-policy condition keys (`<issuer host>:<claim>`) of GitHub's tokens, in the order shown. */
export const CONDITION_KEY_CLAIMS = [
  'aud',
  'sub',
  'repository',
  'repository_id',
  'ref',
  'environment',
  'job_workflow_ref',
  'workflow',
  'actor',
  'actor_id',
  'enterprise_id',
] as const;

/** The condition keys of any other OIDC issuer (an EKS cluster's, say) that trust policies check. */
export const OTHER_ISSUER_KEY_CLAIMS = ['aud', 'sub'] as const;

/** The public GitHub issuer's host; enterprises may have `token.actions.githubusercontent.com/<slug>`. */
export const GITHUB_ISSUER_HOST = 'token.actions.githubusercontent.com';

/** A claim value as one short line: claims come from outside, so they are cut and kept on one line. */
const MAX_VALUE_LENGTH = 300;

/** A decoded token: its claims as printable strings. */
export interface TokenClaims {
  /** A claim as text (lists joined with commas), or undefined when the token lacks it. */
  readonly value: (name: string) => string | undefined;
  /** The issuer without https:// (the IAM provider's URL and the condition-key prefix). */
  readonly issuerHost: string;
  /** Whether GitHub issued it (GitHub.com, an enterprise's own issuer, or GHES): only then do its forms apply. */
  readonly github: boolean;
}

/** GitHub's issuers: the public one, an enterprise's `…/<slug>`, and GitHub Enterprise Server's `<host>/_services/token`. */
function isGitHubIssuer(host: string): boolean {
  return (
    host === GITHUB_ISSUER_HOST ||
    host.startsWith(`${GITHUB_ISSUER_HOST}/`) ||
    host.endsWith('/_services/token')
  );
}

/** The token's claims, or undefined when it is not a JWT. */
export function decodeClaims(token: string | undefined): TokenClaims | undefined {
  if (token === undefined) return undefined;
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    return undefined;
  }
  const value = (name: string): string | undefined => {
    const raw = claims[name];
    if (raw === undefined || raw === null) return undefined;
    const text = Array.isArray(raw) ? raw.map(String).join(',') : String(raw);
    return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;
  };
  const issuerHost = (value('iss') ?? `https://${GITHUB_ISSUER_HOST}`).replace(/^https:\/\//, '');
  return { value, issuerHost, github: isGitHubIssuer(issuerHost) };
}

/** Which of GitHub's subject forms a sub has ('other-issuer': the token is not GitHub's at all). */
export type SubjectForm = 'name' | 'immutable' | 'custom' | 'other-issuer';

/** A sub read as GitHub's default template: the form, the repository part and what follows it. */
export interface Subject {
  readonly form: SubjectForm;
  readonly sub: string;
  /** The same subject in the other form, when the token's claims allow building it. */
  readonly other: string | undefined;
  /** The repository's id, for a `repository_id` condition that pins a name to one repository. */
  readonly repositoryId: string | undefined;
}

const IMMUTABLE = /^repo:([^/:@]+)@(\d+)\/([^/:@]+)@(\d+):(.+)$/s;
const NAME = /^repo:([^/:@]+)\/([^/:@]+):(.+)$/s;

/** The token's subject in both forms (when its claims carry the ids the immutable form needs). */
export function subjectForms(claims: TokenClaims): Subject | undefined {
  const sub = claims.value('sub');
  if (sub === undefined) return undefined;
  const repositoryId = claims.value('repository_id');
  if (!claims.github) return { form: 'other-issuer', sub, other: undefined, repositoryId: undefined };
  const immutable = IMMUTABLE.exec(sub);
  if (immutable) {
    const [, owner, , repo, repoId, rest] = immutable;
    return { form: 'immutable', sub, other: `repo:${owner}/${repo}:${rest}`, repositoryId: repoId };
  }
  const name = NAME.exec(sub);
  if (name) {
    const [, owner, repo, rest] = name;
    const ownerId = claims.value('repository_owner_id');
    const ids = ownerId !== undefined && repositoryId !== undefined && /^\d+$/.test(ownerId + repositoryId);
    return {
      form: 'name',
      sub,
      other: ids ? `repo:${owner}@${ownerId}/${repo}@${repositoryId}:${rest}` : undefined,
      repositoryId,
    };
  }
  return { form: 'custom', sub, other: undefined, repositoryId };
}
