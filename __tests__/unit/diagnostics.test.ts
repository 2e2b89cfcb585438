import { describe, expect, it } from '@jest/globals';
import { UnsecuredJWT } from 'jose';
import { diagnoseWebIdentityRefusal } from '../../src/diagnostics.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const token = (claims: Record<string, unknown>): string =>
  new UnsecuredJWT({
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    repository: 'octo-org/octo-repo',
    ref: 'refs/heads/main',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
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

describe('diagnoseWebIdentityRefusal', () => {
  it('shows the claims trust policies match, and never the token', () => {
    const jwt = token({});
    const lines = diagnoseWebIdentityRefusal({
      code: 'AccessDenied',
      roleArn: ROLE,
      token: jwt,
      region: 'us-east-1',
      actor: 'octocat',
    });
    const text = lines.join('\n');
    expect(lines[0]).toBe(
      `Why STS refused the token (AccessDenied) for ${ROLE}: the token's claims that trust policies match:`,
    );
    expect(text).toMatch(/^ {2}sub +repo:octo-org\/octo-repo:ref:refs\/heads\/main$/m);
    expect(text).toMatch(/^ {2}environment +\(not in the token\)$/m);
    expect(text).toMatch(
      /^ {2}job_workflow_ref +octo-org\/octo-repo\/\.github\/workflows\/deploy\.yml@refs\/heads\/main$/m,
    );
    expect(text).not.toContain(jwt);
    expect(lines.length).toBeLessThan(40);
  });

  it('prints the statement that admits exactly this job', () => {
    const text = diagnose().join('\n');
    const json = text.slice(text.indexOf('  {'), text.lastIndexOf('  }') + 3);
    expect(JSON.parse(json)).toEqual({
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': 'repo:octo-org/octo-repo:ref:refs/heads/main',
        },
      },
    });
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
    ['a customised sub', { sub: 'repository_owner:octo-org:repository:octo-repo' }, {}, /customised/],
    ['Dependabot', {}, { actor: 'dependabot[bot]' }, /Dependabot/],
  ])('names %s as a likely cause', (_what, claims, overrides, cause) => {
    expect(diagnose(claims, overrides).join('\n')).toMatch(cause);
  });

  it('lists no causes that do not apply', () => {
    expect(diagnose().join('\n')).not.toContain('Likely causes');
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
