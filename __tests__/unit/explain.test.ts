import { describe, expect, it } from '@jest/globals';
import { STSServiceException } from '@aws-sdk/client-sts';
import { UnsecuredJWT } from 'jose';
import { explain, type FailureContext } from '../../src/report/explain.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const ENDPOINT = 'https://sts.us-east-1.amazonaws.com';
const SUB = 'repo:octo-org/octo-repo:ref:refs/heads/main';

/** An STS error as the SDK throws it. */
const stsError = (name: string, message: string): STSServiceException =>
  new STSServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 403 } });
/** A Node network error. */
const networkError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

const ctx = (overrides: Partial<FailureContext> = {}): FailureContext => ({
  call: 'AssumeRole',
  source: 'existing',
  roleArn: ROLE,
  region: 'us-east-1',
  endpoint: ENDPOINT,
  sessionTagging: true,
  token: undefined,
  actor: 'octocat',
  ...overrides,
});

const githubToken = (
  claims: { sub?: string; aud?: string | string[] } = { sub: SUB, aud: 'sts.amazonaws.com' },
) => new UnsecuredJWT(claims).setIssuer('https://token.actions.githubusercontent.com').setIssuedAt().encode();

describe('explain: hints by error code', () => {
  it.each<[string, unknown, Partial<FailureContext>, string]>([
    [
      'a bad signature with static keys',
      stsError(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      ),
      { source: 'static-keys' },
      'AWS rejected the request signature: the access keys aws-access-key-id/aws-secret-access-key are wrong, deactivated or deleted. Check that the aws-access-key-id and aws-secret-access-key secrets hold a current key pair',
    ],
    [
      'an unknown key id with existing credentials',
      stsError('InvalidClientTokenId', 'The security token included in the request is invalid.'),
      { source: 'existing' },
      'AWS rejected the request signature: the credentials the job already has are wrong, deactivated or deleted. Check what a previous step exported (AWS_ACCESS_KEY_ID, AWS_PROFILE) or use unset-current-credentials: true.',
    ],
    [
      'an expired web identity token',
      stsError(
        'ExpiredTokenException',
        'Token expired: current date/time 1700000000 must be before the expiration date/time 1690000000',
      ),
      { call: 'AssumeRoleWithWebIdentity', source: 'token-file' },
      'the web identity token expired before STS checked it',
    ],
    [
      'an expired session token in static keys',
      stsError('ExpiredToken', 'The security token included in the request is expired'),
      { source: 'static-keys' },
      'the access keys aws-access-key-id/aws-secret-access-key hold an expired aws-session-token: get fresh credentials first.',
    ],
    [
      'expired existing credentials',
      stsError('ExpiredToken', 'The security token included in the request is expired'),
      { source: 'existing' },
      'the credentials the job already has have expired (a session from an earlier step?)',
    ],
    [
      'AssumeRole access denied, with session tags',
      stsError(
        'AccessDenied',
        'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:AssumeRole',
      ),
      { sessionTagging: true },
      `the credentials the job already has may not assume ${ROLE}. The role's trust policy must name the caller as a principal with sts:AssumeRole and sts:TagSession (the action sends session tags; or set role-skip-session-tagging: true), and the caller's own IAM policies must allow sts:AssumeRole on the role. If the job signed with a session an earlier step (or an earlier run on this self-hosted runner) left in AWS_ACCESS_KEY_ID/AWS_PROFILE, set unset-current-credentials: true.`,
    ],
    [
      'AssumeRole access denied, without session tags',
      stsError('AccessDenied', 'not authorized'),
      { sessionTagging: false, source: 'static-keys' },
      `the access keys aws-access-key-id/aws-secret-access-key may not assume ${ROLE}. The role's trust policy must name the caller as a principal with sts:AssumeRole, and the caller's own IAM policies`,
    ],
    [
      'GetCallerIdentity access denied',
      stsError('AccessDenied', 'denied'),
      { call: 'GetCallerIdentity' },
      'the credentials the job already has may not call sts:GetCallerIdentity.',
    ],
    [
      'a token STS refuses',
      stsError(
        'InvalidIdentityToken',
        'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com',
      ),
      { call: 'AssumeRoleWithWebIdentity', source: 'github-oidc', token: githubToken() },
      'the role\'s account needs an IAM OIDC identity provider for https://token.actions.githubusercontent.com whose audience list includes "sts.amazonaws.com"',
    ],
    [
      'a token STS refuses, without a readable token',
      stsError('InvalidIdentityTokenException', 'Incorrect token audience'),
      { call: 'AssumeRoleWithWebIdentity', source: 'token-file', token: 'not-a-jwt' },
      'needs an IAM OIDC identity provider for the token issuer whose audience list includes "the audience input"',
    ],
    [
      'an identity provider STS could not reach',
      stsError('IDPCommunicationError', "Couldn't retrieve verification key from your identity provider"),
      { call: 'AssumeRoleWithWebIdentity', source: 'github-oidc' },
      'STS could not reach the identity provider to verify the token; this is usually brief, so run the job again.',
    ],
    [
      'a disabled region',
      stsError('RegionDisabledException', 'STS is not activated in this region for account:123456789012.'),
      { region: 'ap-east-1' },
      'STS is not activated in ap-east-1 for this account: activate the region in IAM account settings or choose another aws-region.',
    ],
    [
      'a session longer than the role allows',
      stsError(
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      ),
      {},
      "role-duration-seconds is longer than the role allows: raise the role's maximum session duration or lower role-duration-seconds.",
    ],
    [
      'too many tags and policies',
      stsError('PackedPolicyTooLarge', 'Serialized token too large for session'),
      {},
      'the session tags and policies are too large once packed',
    ],
    [
      'a malformed session policy',
      stsError('MalformedPolicyDocument', 'Syntax errors in policy.'),
      {},
      'inline-session-policy or managed-session-policies is not a valid session policy',
    ],
    [
      'no credentials in the job',
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      {},
      'no AWS credentials were found in the job (environment, shared files, container or instance metadata). Add `permissions: id-token: write` to use GitHub OIDC',
    ],
    ...['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'].map(
      (code): [string, unknown, Partial<FailureContext>, string] => [
        `the network error ${code}`,
        networkError(code, `connect ${code} sts.example.com`),
        { endpoint: 'https://sts.example.com' },
        "could not reach STS at https://sts.example.com: check sts-endpoint, http-proxy/no-proxy and the runner's network.",
      ],
    ),
    [
      'a request timeout',
      Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' }),
      {},
      `could not reach STS at ${ENDPOINT}`,
    ],
  ])('explains %s', (_what, error, overrides, hint) => {
    const explained = explain(error, ctx(overrides));
    expect(explained).toContain(hint);
    expect(explained).toMatch(/ \(AWS said: .+\)$/);
  });

  it('quotes the token sub and aud when the trust policy refuses it', () => {
    const explained = explain(
      stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'),
      ctx({ call: 'AssumeRoleWithWebIdentity', source: 'github-oidc', token: githubToken() }),
    );
    expect(explained).toBe(
      `the trust policy of ${ROLE} does not accept this token. It must allow sts:AssumeRoleWithWebIdentity for the federated principal ` +
        'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com with conditions that match the token: ' +
        `token.actions.githubusercontent.com:sub = "${SUB}" and :aud = "sts.amazonaws.com". ` +
        'A StringEquals on sub must match exactly (branch, environment or pull_request form); use StringLike with * to allow several. ' +
        'The lines above show the condition keys and a statement that admits this job. ' +
        '(AWS said: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity)',
    );
  });

  it('quotes every audience of a token with several', () => {
    const token = githubToken({ sub: 'repo:o/r:environment:prod', aud: ['sts.amazonaws.com', 'other'] });
    const explained = explain(
      stsError('AccessDeniedException', 'denied'),
      ctx({ call: 'AssumeRoleWithWebIdentity', source: 'token-file', token }),
    );
    expect(explained).toContain(':sub = "repo:o/r:environment:prod" and :aud = "sts.amazonaws.com,other".');
  });

  it.each([
    ['no token', undefined],
    ['a token that is not a JWT', 'opaque-token'],
  ])('explains a refused web identity without quoting claims when there is %s', (_what, token) => {
    const explained = explain(
      stsError('AccessDenied', 'denied'),
      ctx({ call: 'AssumeRoleWithWebIdentity', source: 'github-oidc', token }),
    );
    expect(explained).toContain(
      'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com with conditions that match the token. A StringEquals',
    );
    expect(explained).not.toContain(':sub =');
  });

  it('passes other validation errors through as AWS said them', () => {
    const message = '1 validation error detected: Value at roleSessionName failed to satisfy constraint';
    expect(explain(stsError('ValidationError', message), ctx())).toBe(`ValidationError: ${message}`);
  });
});

describe('explain: what AWS said', () => {
  it('keeps the first two sentences of a long message', () => {
    const message =
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. ' +
      "The Canonical String for this request should have been 'POST\n/\n\nhost:sts.amazonaws.com\nx-amz-date:20240101T000000Z'. The String-to-Sign should have been 'AWS4-HMAC-SHA256'.";
    const explained = explain(stsError('SignatureDoesNotMatch', message), ctx({ source: 'static-keys' }));
    expect(explained).toMatch(
      /\(AWS said: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\.\)$/,
    );
    expect(explained).not.toContain('Canonical String');
  });

  it('cuts two long sentences to at most 400 characters, between words', () => {
    const message = `${'word '.repeat(100)}end. ${'more '.repeat(100)}end. Third.`;
    const said = explain(stsError('Throttling', message), ctx()).slice('Throttling: '.length);
    expect(said.length).toBeLessThanOrEqual(400);
    expect(said).toBe(`${message.slice(0, 394)} ...`);
  });

  it('never leaves part of a long word (a secret) at the cut', () => {
    const secret = 'S'.repeat(120);
    const message = `${'word '.repeat(70)}${secret} is not valid.`;
    const said = explain(stsError('Throttling', message), ctx());
    expect(said).not.toContain('SSSS');
  });

  it('redacts the web identity token before cutting', () => {
    const token = `eyJ${'a'.repeat(500)}`;
    const said = explain(
      stsError('InvalidIdentityTokenException', `Token ${token} is not valid.`),
      ctx({ token }),
    );
    expect(said).toContain('Token *** is not valid.');
  });

  it.each<[string, unknown, string]>([
    [
      'an unknown STS code with its code',
      stsError('Throttling', 'Rate exceeded'),
      'Throttling: Rate exceeded',
    ],
    [
      'a message that already names its code',
      networkError('ECONNABORTED', 'socket hang up ECONNABORTED'),
      'socket hang up ECONNABORTED',
    ],
    ['an Error without a code', new Error('Something broke.'), 'Something broke.'],
    ['a string thrown', 'plain failure', 'plain failure'],
    ['an object thrown', { reason: 'odd' }, '{"reason":"odd"}'],
  ])('passes %s through', (_what, error, expected) => {
    expect(explain(error, ctx())).toBe(expected);
  });
});

describe('explain: session tags refused or too large', () => {
  const tags = [
    { Key: 'GitHub', Value: 'Actions' },
    { Key: 'Repository', Value: 'octo-org/octo-repo' },
  ];
  const assumeInput = { RoleArn: ROLE, RoleSessionName: 'GitHubActions', Tags: tags };

  it('AccessDenied on sts:TagSession: the trust policy lacks it for this caller, and both fixes', () => {
    const said = explain(
      stsError(
        'AccessDenied',
        `User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:TagSession on resource: ${ROLE}`,
      ),
      ctx({ source: 'static-keys', assumeInput }),
    );
    expect(said).toBe(
      `${ROLE} may be assumed by this caller but not with session tags: its trust policy lacks sts:TagSession for the caller AWS names at the end ` +
        "(the action sent 2 session tags; the caller's own IAM policy must allow sts:TagSession too). " +
        'Either add "sts:TagSession" to the Action of the trust policy statement that admits the caller (Action: ["sts:AssumeRole", "sts:TagSession"]), ' +
        'or set role-skip-session-tagging: true to assume the role without tags. ' +
        `(AWS said: AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: sts:TagSession on resource: ${ROLE})`,
    );
  });

  it('an AccessDenied that does not name sts:TagSession keeps the general AssumeRole hint', () => {
    const said = explain(
      stsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'),
      ctx({ assumeInput }),
    );
    expect(said).toMatch(/^the credentials the job already has may not assume/);
  });

  it('PackedPolicyTooLarge: the share of the budget STS names, the tags` share of it, the policies sent', () => {
    const said = explain(
      stsError(
        'PackedPolicyTooLarge',
        'Packed policy consumes 120% of allotted space, please use smaller policy.',
      ),
      ctx({ assumeInput: { ...assumeInput, Policy: 'x'.repeat(31), PolicyArns: [{ arn: 'a'.repeat(20) }] } }),
    );
    // Tags: 6+7+10+18 = 41 characters of 41+31+20 = 92 sent: 45%, about 53% of the budget.
    expect(said).toBe(
      'the session tags and policies are too large once packed: STS says they use 120% of the allowed size. ' +
        'The 2 session tags (41 characters of keys and values) are 45% of the characters sent, about 53% of the budget; ' +
        'inline-session-policy has 31 characters; managed-session-policies names 1 ARNs. ' +
        'Fix it: shorten custom-tags, inline-session-policy or managed-session-policies, or set role-skip-session-tagging: true. ' +
        '(AWS said: PackedPolicyTooLarge: Packed policy consumes 120% of allotted space, please use smaller policy.)',
    );
  });

  it('PackedPolicyTooLarge without a percentage still says what was sent', () => {
    const said = explain(
      stsError('PackedPolicyTooLarge', 'Serialized token too large for session'),
      ctx({ assumeInput }),
    );
    expect(said).toContain(
      'too large once packed. The 2 session tags (41 characters of keys and values) are 100% of the characters sent. Fix it:',
    );
  });
});
