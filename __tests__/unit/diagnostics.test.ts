import { describe, expect, it } from '@jest/globals';
import { UnsecuredJWT } from 'jose';
import { diagnoseWebIdentityRefusal } from '../../src/report/diagnostics.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const NAME_SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';
const IMMUTABLE_SUB = 'repo:octo-org@5138171/octo-repo@690123456:ref:refs/heads/main';
const HOST = 'token.actions.githubusercontent.com';

/** A token with the claims GitHub sends in 2026 (name-form sub unless told otherwise). */
const token = (claims: Record<string, unknown>): string =>
  new UnsecuredJWT({
    iss: `https://${HOST}`,
    aud: 'sts.amazonaws.com',
    sub: NAME_SUB,
    repository: 'octo-org/octo-repo',
    repository_id: '690123456',
    repository_owner: 'octo-org',
    repository_owner_id: '5138171',
    ref: 'refs/heads/main',
    workflow: 'deploy',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
    actor: 'octocat',
    actor_id: '583231',
    event_name: 'push',
    ...claims,
  }).encode();
const diagnose = (
  claims: Record<string, unknown> = {},
  overrides: Partial<Parameters<typeof diagnoseWebIdentityRefusal>[0]> = {},
) =>
  diagnoseWebIdentityRefusal({
    code: 'AccessDenied',
    roleArn: ROLE,
    token: token(claims),
    region: 'us-east-1',
    actor: 'octocat',
    ...overrides,
  });

/** The statement the diagnosis proposes, parsed. */
function statementOf(lines: string[]): unknown {
  const start = lines.indexOf('A trust policy statement that admits exactly this job:') + 1;
  const end = lines.indexOf('  }', start) + 1;
  return JSON.parse(lines.slice(start, end).join('\n'));
}

describe('diagnoseWebIdentityRefusal', () => {
  it('an immutable-form token: both subject forms, every condition key, the statement and the cause', () => {
    const jwt = token({ sub: IMMUTABLE_SUB });
    const lines = diagnoseWebIdentityRefusal({
      code: 'AccessDenied',
      roleArn: ROLE,
      token: jwt,
      region: 'us-east-1',
      actor: 'octocat',
    });
    expect(lines).toEqual([
      `Why STS refused the token (AccessDenied) for ${ROLE}:`,
      `  issuer   https://${HOST}, whose IAM OIDC provider is arn:aws:iam::123456789012:oidc-provider/${HOST}`,
      `  subject  ${IMMUTABLE_SUB} (the immutable form repo:OWNER@OWNER_ID/REPO@REPO_ID, the default for repositories created or renamed since 2026-07-15)`,
      `  not      ${NAME_SUB} (the name form: a trust policy written for it refuses this token)`,
      `The condition keys STS checks (${HOST}:<key>) and this token's values:`,
      '  aud               sts.amazonaws.com',
      `  sub               ${IMMUTABLE_SUB}`,
      '  repository        octo-org/octo-repo',
      '  repository_id     690123456',
      '  ref               refs/heads/main',
      '  job_workflow_ref  octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
      '  workflow          deploy',
      '  actor             octocat',
      '  actor_id          583231',
      '  (not in this token: environment, enterprise_id)',
      'A trust policy statement that admits exactly this job:',
      '  {',
      '    "Effect": "Allow",',
      `    "Principal": { "Federated": "arn:aws:iam::123456789012:oidc-provider/${HOST}" },`,
      '    "Action": "sts:AssumeRoleWithWebIdentity",',
      '    "Condition": {',
      '      "StringEquals": {',
      `        "${HOST}:aud": "sts.amazonaws.com",`,
      `        "${HOST}:sub": "${IMMUTABLE_SUB}"`,
      '      }',
      '    }',
      '  }',
      `To admit both subject forms (while the repository changes form), use "StringLike": { "${HOST}:sub": ["${NAME_SUB}","${IMMUTABLE_SUB}"] } with "StringEquals": { "${HOST}:repository_id": "690123456" }, which keeps a reused name out.`,
      'Likely causes:',
      `  - this repository has the immutable subject form, so a trust policy written as ${NAME_SUB} (older guides and templates) refuses it: use the statement above, or admit both forms`,
    ]);
    expect(lines.join('\n')).not.toContain(jwt);
  });

  it('a name-form token: the immutable form is built from repository_owner_id and repository_id', () => {
    const lines = diagnose();
    expect(lines).toContain(`  subject  ${NAME_SUB} (the name form repo:OWNER/REPO)`);
    expect(lines).toContain(
      `  not      ${IMMUTABLE_SUB} (the immutable form: a trust policy written for it refuses this token)`,
    );
    expect(statementOf(lines)).toEqual({
      Effect: 'Allow',
      Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${HOST}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringEquals: { [`${HOST}:aud`]: 'sts.amazonaws.com', [`${HOST}:sub`]: NAME_SUB } },
    });
    expect(lines.join('\n')).toContain(`["${NAME_SUB}","${IMMUTABLE_SUB}"]`);
    expect(lines).not.toContain('Likely causes:');
  });

  it('keeps the rest of the subject (environment, pull_request) in both forms', () => {
    const lines = diagnose({
      sub: 'repo:octo-org@5138171/octo-repo@690123456:environment:prod',
      environment: 'prod',
    });
    expect(lines).toContain(
      '  not      repo:octo-org/octo-repo:environment:prod (the name form: a trust policy written for it refuses this token)',
    );
    expect(lines).toContain('  environment       prod');
  });

  it('a name-form token without ids (GitHub Enterprise Server) has no immutable form to show', () => {
    const lines = diagnose({ repository_id: undefined, repository_owner_id: undefined });
    expect(lines).toContain(
      '  not      an immutable form: the token has no repository_owner_id/repository_id (GitHub Enterprise Server has only the name form)',
    );
    expect(lines.join('\n')).not.toContain('To admit both subject forms');
    expect(lines).toContain('  (not in this token: repository_id, environment, enterprise_id)');
  });

  it('a customised subject template: says so and proposes the token`s own sub', () => {
    const sub = 'repository_owner:octo-org:repository:octo-repo';
    const lines = diagnose({ sub });
    expect(lines.join('\n')).toMatch(/customised subject template/);
    expect(statementOf(lines)).toMatchObject({ Condition: { StringEquals: { [`${HOST}:sub`]: sub } } });
    expect(lines.join('\n')).not.toContain('To admit both subject forms');
  });

  it('an enterprise issuer: the provider ARN and every condition key use its host; the account is the role`s', () => {
    const enterprise = `${HOST}/octo-enterprise`;
    const lines = diagnose(
      { iss: `https://${enterprise}`, enterprise_id: '4242', sub: IMMUTABLE_SUB },
      { roleArn: 'arn:aws-us-gov:iam::210987654321:role/deploy' },
    );
    expect(lines).toContain(`The condition keys STS checks (${enterprise}:<key>) and this token's values:`);
    expect(lines).toContain('  enterprise_id     4242');
    expect(statementOf(lines)).toEqual({
      Effect: 'Allow',
      Principal: { Federated: `arn:aws-us-gov:iam::210987654321:oidc-provider/${enterprise}` },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { [`${enterprise}:aud`]: 'sts.amazonaws.com', [`${enterprise}:sub`]: IMMUTABLE_SUB },
      },
    });
    expect(lines.join('\n')).toContain(`"${enterprise}:repository_id": "690123456"`);
    expect(lines.join('\n')).toMatch(
      /your enterprise's issuer .*\(not the public token\.actions\.githubusercontent\.com/,
    );
  });

  it('a token that is not GitHub`s (an EKS service account`s): no subject forms, only aud and sub', () => {
    const eks = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
    const sub = 'system:serviceaccount:ci:runner';
    const jwt = new UnsecuredJWT({ iss: `https://${eks}`, aud: 'sts.amazonaws.com', sub }).encode();
    const lines = diagnoseWebIdentityRefusal({
      code: 'AccessDenied',
      roleArn: ROLE,
      token: jwt,
      region: 'eu-west-1',
      actor: 'octocat',
    });
    expect(lines.slice(0, 7)).toEqual([
      `Why STS refused the token (AccessDenied) for ${ROLE}:`,
      `  issuer   https://${eks}, whose IAM OIDC provider is arn:aws:iam::123456789012:oidc-provider/${eks}`,
      `  subject  ${sub}`,
      `The condition keys STS checks (${eks}:<key>) and this token's values:`,
      '  aud  sts.amazonaws.com',
      `  sub  ${sub}`,
      'A trust policy statement that admits exactly this job:',
    ]);
    expect(lines.join('\n')).not.toMatch(/form|enterprise|customised/);
  });

  it('keeps claim values on one short line', () => {
    const lines = diagnose({ workflow: `deploy\n::add-mask::x${'y'.repeat(400)}` });
    const workflow = lines.find((line) => line.startsWith('  workflow')) ?? '';
    expect(workflow.length).toBeLessThan(330);
    expect(workflow.endsWith('…')).toBe(true);
  });

  it.each<
    [string, Record<string, unknown>, Partial<Parameters<typeof diagnoseWebIdentityRefusal>[0]>, RegExp]
  >([
    [
      'a missing provider',
      {},
      { code: 'InvalidIdentityToken' },
      /no IAM OIDC identity provider for https:\/\/token\.actions\.githubusercontent\.com/,
    ],
    [
      'China without the China audience',
      {},
      { region: 'cn-north-1', roleArn: 'arn:aws-cn:iam::123456789012:role/deploy' },
      /sts\.amazonaws\.com\.cn/,
    ],
    ['a custom audience', { aud: 'my-aud' }, {}, /audience is custom \("my-aud"\)/],
    [
      'an environment',
      { environment: 'prod', sub: 'repo:octo-org/octo-repo:environment:prod' },
      {},
      /environment "prod"/,
    ],
    [
      'a pull request',
      { event_name: 'pull_request', sub: 'repo:octo-org/octo-repo:pull_request' },
      {},
      /pull request runs have sub/,
    ],
    ['Dependabot', {}, { actor: 'dependabot[bot]' }, /Dependabot/],
  ])('names %s as a likely cause', (_what, claims, overrides, cause) => {
    expect(diagnose(claims, overrides).join('\n')).toMatch(cause);
  });

  it('names the immutable form as a cause only when STS denied the token, not when the provider is missing', () => {
    expect(diagnose({ sub: IMMUTABLE_SUB }, { code: 'InvalidIdentityToken' }).join('\n')).not.toMatch(
      /older guides/,
    );
  });

  it('says so when the token cannot be decoded', () => {
    expect(
      diagnoseWebIdentityRefusal({
        code: 'AccessDenied',
        roleArn: ROLE,
        token: 'not-a-jwt',
        region: 'us-east-1',
        actor: 'a',
      }),
    ).toEqual([
      'STS refused the web identity token (AccessDenied); it could not be decoded to show its claims.',
    ]);
  });
});
