// examples/cloudformation/github-oidc-role.yaml itself: what it declares, what it refuses, the provider and
// role it creates, and the trust policies its README shows. What its trust policy admits is in
// examples-trust.test.ts, with Terraform's.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { GITHUB_ISSUER, GITHUB_RUN } from '../e2e/world/github-run.js';
import { ACCOUNT_ID, SEED } from '../e2e/world/seed.js';
import { instantiate, undeclaredNames } from './fixtures/cloudformation.js';
import {
  CLOUDFORMATION,
  cloudFormationStack as stack,
  cloudFormationTemplate,
  README_IMMUTABLE,
  stackTrustPolicy as trustOf,
  WORLD,
} from './fixtures/example-stacks.js';
import { IMMUTABLE_REPOSITORY } from './fixtures/github-tokens.js';
import { codeBlocks } from './fixtures/markdown.js';
import type { Statement } from './fixtures/trust-policy.js';

describe(`CloudFormation: ${CLOUDFORMATION}`, () => {
  const template = cloudFormationTemplate();

  it('declares the parameters, conditions, resources and outputs the README describes', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(Object.keys(template.Parameters ?? {})).toEqual(
      expect.arrayContaining([
        'Repository',
        'AdmitNameForm',
        'RepositoryId',
        'Branch',
        'Environment',
        'JobWorkflowRef',
        'Audience',
        'EnterpriseSlug',
        'CreateOidcProvider',
        'RoleName',
        'ManagedPolicyArns',
        'MaxSessionDuration',
      ]),
    );
    expect(template.Parameters?.Repository?.Default).toBeUndefined();
    expect(template.Parameters?.CreateOidcProvider?.AllowedValues).toEqual(['true', 'false']);
    expect(template.Parameters?.AdmitNameForm).toMatchObject({
      AllowedValues: ['true', 'false'],
      Default: 'false',
    });
    expect(template.Rules?.NameFormNeedsRepositoryId?.Assertions[0]?.AssertDescription).toMatch(
      /RepositoryId/,
    );
    expect(template.Parameters?.ManagedPolicyArns?.Type).toBe('CommaDelimitedList');
    expect(template.Resources.GitHubOidcProvider).toMatchObject({
      Type: 'AWS::IAM::OIDCProvider',
      Condition: 'CreateProvider',
    });
    expect(template.Resources.GitHubActionsRole?.Type).toBe('AWS::IAM::Role');
    expect(template.Outputs?.RoleArn?.Value).toEqual({ 'Fn::GetAtt': ['GitHubActionsRole', 'Arn'] });
    expect(undeclaredNames(template)).toEqual([]);
  });

  it('refuses a repository in neither form, saying both', () => {
    expect(() => instantiate(template, { Repository: 'octo-org' }, WORLD)).toThrow(
      /does not match .*OWNER\/REPO.*OWNER@OWNER_ID\/REPO@REPO_ID/,
    );
  });

  it("refuses AdmitNameForm without RepositoryId with the rule's description", () => {
    expect(() => stack({ repository: IMMUTABLE_REPOSITORY, admitNameForm: true })).toThrow(
      /rule NameFormNeedsRepositoryId: AdmitNameForm=true needs RepositoryId/,
    );
  });

  it('guards every parameter that goes into the JSON text with a pattern that excludes " and \\', () => {
    const text = JSON.stringify(template.Resources.GitHubActionsRole?.Properties?.AssumeRolePolicyDocument);
    const used = Object.keys(template.Parameters ?? {}).filter(
      (name) => text.includes(`\${${name}}`) || text.includes(`"Ref":"${name}"`),
    );
    expect(used.sort()).toEqual(
      [
        'Audience',
        'Branch',
        'EnterpriseSlug',
        'Environment',
        'JobWorkflowRef',
        'Repository',
        'RepositoryId',
      ].sort(),
    );
    for (const name of used) {
      const pattern = new RegExp(`^(?:${template.Parameters?.[name]?.AllowedPattern ?? ''})$`);
      expect({ name, quote: pattern.test('a"b'), backslash: pattern.test('a\\b') }).toEqual({
        name,
        quote: false,
        backslash: false,
      });
    }
  });

  it('creates the provider for the issuer and audience, or trusts the existing one', () => {
    const created = stack({});
    expect(created.resources.GitHubOidcProvider?.Properties).toMatchObject({
      Url: GITHUB_ISSUER,
      ClientIdList: ['sts.amazonaws.com'],
    });
    expect(created.outputs.OidcProviderArn).toBe(SEED.oidcProvider);
    const existing = stack({ createProvider: false });
    expect(existing.resources.GitHubOidcProvider).toBeUndefined();
    expect(existing.outputs.OidcProviderArn).toBe(SEED.oidcProvider);
  });

  it('outputs the role ARN and attaches managed policies only when given', () => {
    const plain = stack({});
    expect(plain.outputs.RoleArn).toBe(`arn:aws:iam::${ACCOUNT_ID}:role/github-actions-deploy`);
    expect(plain.resources.GitHubActionsRole?.Properties.ManagedPolicyArns).toBeUndefined();
    const withPolicies = instantiate(
      template,
      {
        Repository: GITHUB_RUN.repository,
        RoleName: 'deploy',
        ManagedPolicyArns:
          'arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/AmazonS3FullAccess',
      },
      WORLD,
    );
    expect(withPolicies.outputs.RoleArn).toBe(SEED.deployRole);
    expect(withPolicies.resources.GitHubActionsRole?.Properties.ManagedPolicyArns).toEqual([
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
      'arn:aws:iam::aws:policy/AmazonS3FullAccess',
    ]);
  });

  it("the README's trust policies are what the template renders for its examples", () => {
    const readme = readFileSync('examples/cloudformation/README.md', 'utf8');
    const shown = codeBlocks(readme).filter((b) => b.lang === 'json');
    const examples = [
      { Repository: 'my-org/my-app' },
      { Repository: README_IMMUTABLE },
      { Repository: README_IMMUTABLE, AdmitNameForm: 'true', RepositoryId: README_IMMUTABLE.split('@')[2]! },
    ];
    expect(shown.map((b) => JSON.parse(b.code) as Statement)).toEqual(
      examples.map((given) => trustOf(instantiate(template, given, WORLD)).Statement[0]),
    );
  });
});
