// examples/terraform/github-oidc-role itself: its files, what it declares and refers to, what it refuses, the
// provider it creates, and the trust policy its README shows. What its trust policy admits is in
// examples-trust.test.ts, with CloudFormation's.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GITHUB_ISSUER, GITHUB_RUN } from '../e2e/world/github-run.js';
import { SEED } from '../e2e/world/seed.js';
import {
  README_IMMUTABLE,
  TERRAFORM,
  terraformModule,
  terraformScope as scopeFor,
  terraformTrustPolicy as trustPolicy,
} from './fixtures/example-stacks.js';
import { IMMUTABLE_REPOSITORY } from './fixtures/github-tokens.js';
import { evaluate, references, type Block } from './fixtures/hcl.js';
import { codeBlocks } from './fixtures/markdown.js';
import type { Statement } from './fixtures/trust-policy.js';

/** A statement with every single value as a one-item list, as IAM reads it (Terraform renders one value bare). */
const withLists = (statement: Statement): Statement => {
  const lists = (values: Readonly<Record<string, string | readonly string[]>>) =>
    Object.fromEntries(Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? [v] : v]));
  return {
    ...statement,
    Action: typeof statement.Action === 'string' ? [statement.Action] : statement.Action,
    ...(statement.Principal && { Principal: lists(statement.Principal) }),
    ...(statement.Condition && {
      Condition: Object.fromEntries(
        Object.entries(statement.Condition).map(([op, keys]) => [op, lists(keys)]),
      ),
    }),
  };
};

describe(`Terraform: ${TERRAFORM}`, () => {
  const { blocks, find, named, locals } = terraformModule();

  it('has the files a module needs', () => {
    expect(readdirSync(TERRAFORM).sort()).toEqual(
      expect.arrayContaining(['README.md', 'main.tf', 'outputs.tf', 'variables.tf', 'versions.tf']),
    );
    const versions = find('terraform');
    const providers = versions.blocks.find((b) => b.type === 'required_providers');
    expect(evaluate(providers!.attributes.aws!, () => undefined)).toMatchObject({ source: 'hashicorp/aws' });
  });

  it('declares the variables, resources and outputs the README describes', () => {
    expect(named('variable')).toEqual(
      expect.arrayContaining([
        'repository',
        'admit_name_form',
        'repository_id',
        'branch',
        'environment',
        'job_workflow_ref',
        'audience',
        'enterprise_slug',
        'create_oidc_provider',
        'role_name',
        'managed_policy_arns',
        'max_session_duration',
      ]),
    );
    expect(find('variable', 'repository').attributes.default).toBeUndefined();
    // admit_name_form needs repository_id: a precondition, since a validation may not name another
    // variable before Terraform 1.9 and versions.tf allows 1.3.
    const role = find('resource', 'aws_iam_role', 'github');
    const lifecycle = role.blocks.find((b) => b.type === 'lifecycle');
    const precondition = lifecycle?.blocks.find((b) => b.type === 'precondition');
    expect(references(precondition!.attributes.condition!).sort()).toEqual([
      'var.admit_name_form',
      'var.repository_id',
    ]);
    expect(evaluate(find('terraform').attributes.required_version!, () => undefined)).toBe('>= 1.3');
    expect(named('resource')).toEqual(
      expect.arrayContaining([
        'aws_iam_openid_connect_provider.github',
        'aws_iam_role.github',
        'aws_iam_role_policy_attachment.managed',
      ]),
    );
    expect(named('data')).toEqual(
      expect.arrayContaining(['aws_partition.current', 'aws_iam_policy_document.trust']),
    );
    expect(named('output')).toEqual(expect.arrayContaining(['role_arn', 'oidc_provider_arn']));
    expect(references(find('output', 'role_arn').attributes.value!)).toEqual(['aws_iam_role.github.arn']);
    expect(references(find('resource', 'aws_iam_role', 'github').attributes.assume_role_policy!)).toEqual([
      'data.aws_iam_policy_document.trust.json',
    ]);
    expect(
      references(find('resource', 'aws_iam_role_policy_attachment', 'managed').attributes.for_each!),
    ).toEqual(['var.managed_policy_arns']);
  });

  it('refers only to variables, locals, resources and data sources it declares', () => {
    const declared = new Set([
      ...named('variable').map((n) => `var.${n}`),
      ...Object.keys(locals).map((n) => `local.${n}`),
      ...named('resource'),
      ...named('data').map((n) => `data.${n}`),
      'each.value',
      'each.key',
    ]);
    const isDeclared = (ref: string, names: readonly string[]) =>
      names.some((d) => ref === d || ref.startsWith(`${d}.`));
    /** The name a dynamic block's content knows its element by: the block's label, or its `iterator`. */
    const iteratorOf = (block: Block): string => {
      const iterator = block.attributes.iterator;
      return iterator?.kind === 'name' ? iterator.name : (block.labels[0] ?? '');
    };
    const walk = (block: Block, known: readonly string[]): string[] => {
      // A variable's type (string, list(string)) is a type constraint, and a dynamic block's iterator a
      // name: neither is a reference.
      const values = Object.entries(block.attributes).filter(
        ([n]) =>
          !(block.type === 'variable' && n === 'type') && !(block.type === 'dynamic' && n === 'iterator'),
      );
      // The content of a dynamic block may use its iterator; its for_each may not.
      const iterator = iteratorOf(block);
      const inner = block.type === 'dynamic' ? [...known, `${iterator}.key`, `${iterator}.value`] : known;
      return [
        ...values.flatMap(([, expr]) => references(expr)).filter((ref) => !isDeclared(ref, known)),
        ...block.blocks.flatMap((b) => walk(b, inner)),
      ];
    };
    const undeclared = blocks.filter((b) => b.type !== 'terraform').flatMap((b) => walk(b, [...declared]));
    expect(undeclared).toEqual([]);
  });

  it('validates repository as OWNER/REPO or OWNER@OWNER_ID/REPO@REPO_ID', () => {
    const validation = find('variable', 'repository').blocks.find((b) => b.type === 'validation')!;
    const valid = (repository: string) =>
      evaluate(validation.attributes.condition!, (n) => (n === 'var' ? { repository } : undefined));
    expect(valid(GITHUB_RUN.repository)).toBe(true);
    expect(valid(IMMUTABLE_REPOSITORY)).toBe(true);
    expect(valid('octo-org')).toBe(false);
    expect(valid('octo-org@1/octo-repo')).toBe(false);
    expect(valid('octo-org/octo-repo:*')).toBe(false);
    expect(valid('o@x/r@y')).toBe(false);
  });

  it("refuses admit_name_form without repository_id with the precondition's message", () => {
    expect(() => scopeFor({ repository: IMMUTABLE_REPOSITORY, admitNameForm: true })).toThrow(
      /resource aws_iam_role\.github: The admit_name_form needs repository_id/,
    );
  });

  it('creates the provider for the issuer and audience only when asked', () => {
    const provider = find('resource', 'aws_iam_openid_connect_provider', 'github');
    const scope = scopeFor({});
    expect(evaluate(provider.attributes.url!, scope)).toBe(GITHUB_ISSUER);
    expect(evaluate(provider.attributes.client_id_list!, scope)).toEqual(['sts.amazonaws.com']);
    expect(evaluate(provider.attributes.count!, scope)).toBe(1);
    expect(evaluate(provider.attributes.count!, scopeFor({ createProvider: false }))).toBe(0);
    const output = find('output', 'oidc_provider_arn').attributes.value!;
    expect(evaluate(output, scopeFor({ createProvider: false }))).toBe(SEED.oidcProvider);
  });

  it("the README's trust policy is what the module renders for its example", () => {
    const readme = readFileSync(join(TERRAFORM, 'README.md'), 'utf8');
    const shown = codeBlocks(readme).filter((b) => b.lang === 'json');
    const rendered = trustPolicy(scopeFor({ repository: README_IMMUTABLE })).Statement[0]!;
    expect(shown.map((b) => withLists(JSON.parse(b.code) as Statement))).toEqual([withLists(rendered)]);
  });
});
