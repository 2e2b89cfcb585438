import { describe, expect, it } from '@jest/globals';
import { summaryMarkdown, type SummaryFacts } from '../../src/report/summary.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const facts = (overrides: Partial<SummaryFacts> = {}): SummaryFacts => ({
  source: 'static-keys',
  identityArn: 'arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions',
  region: 'eu-west-1',
  endpoint: 'https://sts.eu-west-1.amazonaws.com',
  expiration: new Date('2026-01-01T13:00:00Z'),
  renewed: false,
  sessionTags: [
    { Key: 'GitHub', Value: 'Actions' },
    { Key: 'Repository', Value: 'octo-org/octo-repo' },
  ],
  retries: 2,
  elapsedMs: 412,
  maskAccountId: false,
  failure: undefined,
  ...overrides,
});

describe('summaryMarkdown', () => {
  it('reports source, identity, region, endpoint, expiry, tags, retries and time', () => {
    expect(summaryMarkdown(facts(), NOW)).toBe(
      [
        '### AWS credentials',
        '',
        '| | |',
        '| --- | --- |',
        '| Credential source | access keys |',
        '| Identity | `arn:aws:sts::123456789012:assumed-role/deploy/GitHubActions` |',
        '| Region | eu-west-1 |',
        '| STS endpoint | `https://sts.eu-west-1.amazonaws.com` |',
        '| Expires | 2026-01-01T13:00:00.000Z (in 60 min) |',
        '| Session tags | `GitHub=Actions` `Repository=octo-org/octo-repo` |',
        '| Retries | 2 |',
        '| Time | 412 ms |',
        '',
      ].join('\n'),
    );
  });

  it('hides the account with mask-aws-account-id', () => {
    const markdown = summaryMarkdown(facts({ maskAccountId: true }), NOW);
    expect(markdown).toContain('arn:aws:sts::***:assumed-role/deploy/GitHubActions');
    expect(markdown).not.toContain('123456789012');
  });

  it('says when no session tags were sent', () => {
    expect(summaryMarkdown(facts({ source: 'github-oidc', sessionTags: undefined }), NOW)).toContain(
      '| Session tags | none sent |',
    );
  });

  it('shows the failure and its diagnosis, with table cells escaped', () => {
    const markdown = summaryMarkdown(
      facts({
        identityArn: undefined,
        expiration: undefined,
        failure: { message: 'Could not assume a|b <role>', details: ['  sub  repo:o/r:ref:refs/heads/main'] },
      }),
      NOW,
    );
    expect(markdown).toContain('### AWS credentials: failed');
    expect(markdown).toContain('> Could not assume a\\|b &lt;role>');
    expect(markdown).toContain('```text\n  sub  repo:o/r:ref:refs/heads/main\n```');
    expect(markdown).not.toContain('| Identity |');
  });

  it('says later steps renew the credentials with refresh-credentials', () => {
    const markdown = summaryMarkdown(facts({ renewed: true }), NOW);
    expect(markdown).toContain(
      '| Expires | never for later steps: renewed on demand by the credential_process (refresh-credentials) |',
    );
  });

  it('shows no session tags row on failure, where it would mislead', () => {
    const markdown = summaryMarkdown(
      facts({ identityArn: undefined, failure: { message: 'x', details: [] } }),
      NOW,
    );
    expect(markdown).not.toContain('Session tags');
  });
});
