// The AWS-side examples (examples/cloudformation, examples/terraform): their structure, and that the trust
// policy each one creates admits the token the end-to-end world's job gets and nothing wider.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GITHUB_ISSUER, GITHUB_RUN, GITHUB_SUBJECT } from '../e2e/world/github-run.js';
import { ACCOUNT_ID, CUSTOM_AUDIENCE, SEED } from '../e2e/world/seed.js';
import { instantiate, parseTemplate, undeclaredNames, type Deployment } from './fixtures/cloudformation.js';
import { evaluate, parseHcl, references, type Block, type Expr } from './fixtures/hcl.js';
import { codeBlocks, plain, section, tableRows } from './fixtures/markdown.js';
import { admitsWebIdentity, stringLike, type PolicyDocument } from './fixtures/trust-policy.js';

const CLOUDFORMATION = 'examples/cloudformation/github-oidc-role.yaml';
const TERRAFORM = 'examples/terraform/github-oidc-role';

const OIDC_HOST = GITHUB_ISSUER.replace('https://', '');
const WORLD: Deployment = { partition: 'aws', accountId: ACCOUNT_ID, region: 'us-east-1' };

/** The condition keys STS checks for a GitHub token: the e2e world's job unless told otherwise. */
function token(claims: { sub?: string; aud?: string } = {}): Record<string, string> {
  return {
    [`${OIDC_HOST}:sub`]: claims.sub ?? GITHUB_SUBJECT,
    [`${OIDC_HOST}:aud`]: claims.aud ?? 'sts.amazonaws.com',
  };
}

/** What a user chooses when deploying either template, and where it is deployed. */
interface TemplateInputs {
  readonly branch?: string;
  readonly environment?: string;
  readonly createProvider?: boolean;
  readonly partition?: string;
}

const OTHER_REPOSITORY = `repo:${GITHUB_RUN.owner}/other-repo:ref:${GITHUB_RUN.ref}`;
const ENVIRONMENT_SUBJECT = `repo:${GITHUB_RUN.repository}:environment:production`;

/**
 * What each template must do for the e2e world's repository, whatever the tool: which tokens its trust
 * policy admits. `policyFor` gives the policy and the provider ARN STS would check the token against.
 */
function trustCases(
  policyFor: (inputs: TemplateInputs) => { policy: PolicyDocument; providerArn: string },
): void {
  const admits = (inputs: TemplateInputs, context: Record<string, string>): boolean => {
    const { policy, providerArn } = policyFor(inputs);
    return admitsWebIdentity(policy, { providerArn, context });
  };

  it("trusts the e2e world's OIDC provider", () => {
    expect(policyFor({}).providerArn).toBe(SEED.oidcProvider);
    expect(policyFor({ createProvider: false }).providerArn).toBe(SEED.oidcProvider);
  });

  it("admits the e2e world's token (its repository, on main, for sts.amazonaws.com)", () => {
    expect(admits({}, token())).toBe(true);
    expect(admits({ createProvider: false }, token())).toBe(true);
  });

  it.each([
    ['another repository', token({ sub: OTHER_REPOSITORY })],
    [
      'a repository whose name starts the same',
      token({ sub: `repo:${GITHUB_RUN.repository}-fork:ref:${GITHUB_RUN.ref}` }),
    ],
    ['another branch', token({ sub: `repo:${GITHUB_RUN.repository}:ref:refs/heads/feature` })],
    ['a pull request', token({ sub: `repo:${GITHUB_RUN.repository}:pull_request` })],
    ['a job with an environment', token({ sub: ENVIRONMENT_SUBJECT })],
    ['another audience', token({ aud: CUSTOM_AUDIENCE })],
    ['a token without sub', { [`${OIDC_HOST}:aud`]: 'sts.amazonaws.com' }],
  ])('rejects %s', (_, context) => {
    expect(admits({}, context)).toBe(false);
  });

  it('rejects a token from another provider', () => {
    const { policy } = policyFor({});
    const other = SEED.oidcProvider.replace(OIDC_HOST, 'gitlab.com');
    expect(admitsWebIdentity(policy, { providerArn: other, context: token() })).toBe(false);
  });

  it('with an environment, admits that environment only', () => {
    expect(admits({ environment: 'production' }, token({ sub: ENVIRONMENT_SUBJECT }))).toBe(true);
    expect(admits({ environment: 'production' }, token())).toBe(false);
    expect(
      admits(
        { environment: 'production' },
        token({ sub: `repo:${GITHUB_RUN.repository}:environment:staging` }),
      ),
    ).toBe(false);
  });

  it('with a branch pattern, admits matching branches only', () => {
    const on = (branch: string) => token({ sub: `repo:${GITHUB_RUN.repository}:ref:refs/heads/${branch}` });
    expect(admits({ branch: 'release/*' }, on('release/1.2'))).toBe(true);
    expect(admits({ branch: 'release/*' }, on('main'))).toBe(false);
  });

  it('uses the partition of the account it is deployed in', () => {
    expect(policyFor({ partition: 'aws-cn' }).providerArn).toBe(
      `arn:aws-cn:iam::${ACCOUNT_ID}:oidc-provider/${OIDC_HOST}`,
    );
    expect(policyFor({ partition: 'aws-cn', createProvider: false }).providerArn).toMatch(/^arn:aws-cn:/);
  });
}

describe('the trust-policy evaluator', () => {
  it.each([
    ['repo:o/r:*', 'repo:o/r:ref:refs/heads/main', true],
    ['repo:o/r:ref:refs/heads/v?', 'repo:o/r:ref:refs/heads/v1', true],
    ['repo:o/r:ref:refs/heads/v?', 'repo:o/r:ref:refs/heads/v10', false],
    ['repo:o/r.x:*', 'repo:o/rrx:ref', false],
    ['repo:O/R:*', 'repo:o/r:ref', false],
  ])('StringLike %s on %s is %s', (pattern, value, expected) => {
    expect(stringLike(pattern, value)).toBe(expected);
  });

  it('fails on operators it does not know rather than guessing', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'p' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { ForAnyValueStringLike: { k: 'v' } },
        },
      ],
    };
    expect(() => admitsWebIdentity(policy, { providerArn: 'p', context: { k: 'v' } })).toThrow(
      /not supported/,
    );
  });
});

describe('CloudFormation: examples/cloudformation/github-oidc-role.yaml', () => {
  const template = parseTemplate(readFileSync(CLOUDFORMATION, 'utf8'));
  const stack = (inputs: TemplateInputs) =>
    instantiate(
      template,
      {
        Repository: GITHUB_RUN.repository,
        ...(inputs.branch !== undefined && { Branch: inputs.branch }),
        ...(inputs.environment !== undefined && { Environment: inputs.environment }),
        ...(inputs.createProvider !== undefined && { CreateOidcProvider: String(inputs.createProvider) }),
      },
      { ...WORLD, partition: inputs.partition ?? WORLD.partition },
    );

  it('declares the parameters, conditions, resources and outputs the README describes', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(Object.keys(template.Parameters ?? {})).toEqual(
      expect.arrayContaining([
        'Repository',
        'Branch',
        'Environment',
        'Audience',
        'CreateOidcProvider',
        'RoleName',
        'ManagedPolicyArns',
      ]),
    );
    expect(template.Parameters?.Repository?.Default).toBeUndefined();
    expect(template.Parameters?.CreateOidcProvider?.AllowedValues).toEqual(['true', 'false']);
    expect(template.Parameters?.ManagedPolicyArns?.Type).toBe('CommaDelimitedList');
    expect(template.Resources.GitHubOidcProvider).toMatchObject({
      Type: 'AWS::IAM::OIDCProvider',
      Condition: 'CreateProvider',
    });
    expect(template.Resources.GitHubActionsRole?.Type).toBe('AWS::IAM::Role');
    expect(template.Outputs?.RoleArn?.Value).toEqual({ 'Fn::GetAtt': ['GitHubActionsRole', 'Arn'] });
    expect(undeclaredNames(template)).toEqual([]);
  });

  it('refuses a repository that is not OWNER/REPO', () => {
    expect(() => instantiate(template, { Repository: 'octo-org' }, WORLD)).toThrow(/does not match/);
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

  trustCases((inputs) => {
    const s = stack(inputs);
    const policy = s.resources.GitHubActionsRole?.Properties.AssumeRolePolicyDocument as PolicyDocument;
    return { policy, providerArn: s.outputs.OidcProviderArn as string };
  });
});

/** The module's .tf files, parsed. */
function readModule(dir: string): Block[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.tf'))
    .flatMap((file) => {
      try {
        return parseHcl(readFileSync(join(dir, file), 'utf8'));
      } catch (error) {
        throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
      }
    });
}

describe('Terraform: examples/terraform/github-oidc-role', () => {
  const blocks = readModule(TERRAFORM);
  const find = (type: string, ...labels: string[]): Block => {
    const block = blocks.find((b) => b.type === type && labels.every((label, i) => b.labels[i] === label));
    if (!block) throw new Error(`no ${type} ${labels.join(' ')}`);
    return block;
  };
  const named = (type: string): string[] =>
    blocks.filter((b) => b.type === type).map((b) => b.labels.join('.'));
  const locals = Object.assign(
    {},
    ...blocks.filter((b) => b.type === 'locals').map((b) => b.attributes),
  ) as Record<string, Expr>;

  /** A scope like Terraform's for these variable values, with the data sources of the e2e world's account. */
  const scopeFor = (inputs: TemplateInputs) => {
    const variables: Record<string, unknown> = {};
    for (const block of blocks.filter((b) => b.type === 'variable')) {
      const name = block.labels[0]!;
      if (block.attributes.default) variables[name] = evaluate(block.attributes.default, () => undefined);
    }
    Object.assign(variables, {
      repository: GITHUB_RUN.repository,
      ...(inputs.branch !== undefined && { branch: inputs.branch }),
      ...(inputs.environment !== undefined && { environment: inputs.environment }),
      ...(inputs.createProvider !== undefined && { create_oidc_provider: inputs.createProvider }),
    });
    const partition = inputs.partition ?? WORLD.partition;
    const localValues: Record<string, unknown> = {};
    const scope = (name: string): unknown => {
      switch (name) {
        case 'var':
          return variables;
        case 'local':
          return new Proxy(localValues, {
            get: (cache, key: string) => {
              const expr = locals[key];
              if (expr === undefined) return undefined;
              cache[key] ??= evaluate(expr, scope);
              return cache[key];
            },
          });
        case 'data':
          return {
            aws_partition: { current: { partition } },
            aws_caller_identity: { current: { account_id: ACCOUNT_ID } },
          };
        case 'aws_iam_openid_connect_provider': {
          // count = 0 or 1; the provider's ARN is computed from its URL, as IAM does.
          const resource = find('resource', 'aws_iam_openid_connect_provider', 'github');
          const count = evaluate(resource.attributes.count!, scope) as number;
          const url = evaluate(resource.attributes.url!, scope) as string;
          const arn = `arn:${partition}:iam::${ACCOUNT_ID}:oidc-provider/${url.replace('https://', '')}`;
          return { github: Array.from({ length: count }, () => ({ arn })) };
        }
        default:
          return undefined;
      }
    };
    return scope;
  };

  /** data "aws_iam_policy_document" "trust", rendered to the JSON policy Terraform would produce. */
  const trustPolicy = (scope: (name: string) => unknown): PolicyDocument => {
    const document = find('data', 'aws_iam_policy_document', 'trust');
    const value = (expr: Expr | undefined): unknown =>
      expr === undefined ? undefined : evaluate(expr, scope);
    return {
      Version: '2012-10-17',
      Statement: document.blocks
        .filter((b) => b.type === 'statement')
        .map((statement) => {
          const principals = statement.blocks.filter((b) => b.type === 'principals');
          const conditions = statement.blocks.filter((b) => b.type === 'condition');
          const condition: Record<string, Record<string, string[]>> = {};
          for (const c of conditions) {
            const test = value(c.attributes.test) as string;
            condition[test] = {
              ...condition[test],
              [value(c.attributes.variable) as string]: value(c.attributes.values) as string[],
            };
          }
          return {
            Effect: (value(statement.attributes.effect) as string | undefined) ?? 'Allow',
            Action: value(statement.attributes.actions) as string[],
            Principal: Object.fromEntries(
              principals.map((p) => [
                value(p.attributes.type) as string,
                value(p.attributes.identifiers) as string[],
              ]),
            ),
            Condition: condition,
          };
        }),
    };
  };

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
        'branch',
        'environment',
        'audience',
        'create_oidc_provider',
        'role_name',
        'managed_policy_arns',
      ]),
    );
    expect(find('variable', 'repository').attributes.default).toBeUndefined();
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
    const used = blocks
      .filter((b) => b.type !== 'terraform')
      .flatMap(function walk(block: Block): string[] {
        // A variable's type (string, list(string)) is a type constraint, not a reference.
        const values = Object.entries(block.attributes).filter(
          ([n]) => !(block.type === 'variable' && n === 'type'),
        );
        return [...values.flatMap(([, expr]) => references(expr)), ...block.blocks.flatMap(walk)];
      });
    const undeclared = used.filter((ref) => ![...declared].some((d) => ref === d || ref.startsWith(`${d}.`)));
    expect(undeclared).toEqual([]);
  });

  it('validates repository as OWNER/REPO', () => {
    const validation = find('variable', 'repository').blocks.find((b) => b.type === 'validation')!;
    const valid = (repository: string) =>
      evaluate(validation.attributes.condition!, (n) => (n === 'var' ? { repository } : undefined));
    expect(valid(GITHUB_RUN.repository)).toBe(true);
    expect(valid('octo-org')).toBe(false);
    expect(valid('octo-org/octo-repo:*')).toBe(false);
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

  trustCases((inputs) => {
    const scope = scopeFor(inputs);
    return {
      policy: trustPolicy(scope),
      providerArn: evaluate(find('output', 'oidc_provider_arn').attributes.value!, scope) as string,
    };
  });
});

describe("the examples' READMEs", () => {
  const cell = (row: string[] | undefined, index: number): string => plain(row?.[index] ?? '');
  const names = (rows: string[][]): string[] => rows.map((row) => cell(row, 0));

  it('CloudFormation: the Parameters and Outputs tables match the template, defaults included', () => {
    const template = parseTemplate(readFileSync(CLOUDFORMATION, 'utf8'));
    const readme = readFileSync('examples/cloudformation/README.md', 'utf8');
    const parameters = tableRows(section(readme, '## Parameters'));
    expect(names(parameters)).toEqual(Object.keys(template.Parameters ?? {}));
    for (const row of parameters) {
      const declared = template.Parameters?.[cell(row, 0)]?.Default;
      const expected = declared === undefined ? 'required' : declared === '' ? 'empty' : String(declared);
      expect({ parameter: cell(row, 0), default: cell(row, 1) }).toEqual({
        parameter: cell(row, 0),
        default: expected,
      });
    }
    expect(names(tableRows(section(readme, '## Outputs')))).toEqual(Object.keys(template.Outputs ?? {}));
  });

  it('Terraform: the Inputs and Outputs tables match the module, defaults included', () => {
    const module = readModule(TERRAFORM);
    const readme = readFileSync(join(TERRAFORM, 'README.md'), 'utf8');
    const inputs = tableRows(section(readme, '## Inputs'));
    const variables = module.filter((b) => b.type === 'variable');
    expect(names(inputs)).toEqual(variables.map((b) => b.labels[0]));
    for (const variable of variables) {
      const name = variable.labels[0]!;
      const declared = variable.attributes.default;
      const expected =
        declared === undefined ? 'required' : JSON.stringify(evaluate(declared, () => undefined));
      const row = inputs.find((r) => cell(r, 0) === name);
      expect({ variable: name, default: cell(row, 1) }).toEqual({ variable: name, default: expected });
    }
    const outputs = module.filter((b) => b.type === 'output').map((b) => b.labels[0]);
    expect(names(tableRows(section(readme, '## Outputs')))).toEqual(outputs);
  });

  it('CloudFormation: the deploy commands pass only parameters the template declares, and every required one', () => {
    const template = parseTemplate(readFileSync(CLOUDFORMATION, 'utf8'));
    const declared = Object.keys(template.Parameters ?? {});
    const required = declared.filter((name) => template.Parameters?.[name]?.Default === undefined);
    const docs = ['examples/cloudformation/README.md', 'README.md'];
    const commands = docs.flatMap((doc) =>
      codeBlocks(readFileSync(doc, 'utf8'))
        .filter((b) => b.lang === 'sh' && b.code.includes('cloudformation deploy'))
        .map((b) => b.code.replace(/\\\n\s*/g, ' ')),
    );
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const command of commands) {
      const overrides = /--parameter-overrides((?:\s+\w+=\S+)+)/.exec(command)?.[1] ?? '';
      const given = [...overrides.matchAll(/(\w+)=/g)].map(([, name]) => name!);
      expect(given.filter((name) => !declared.includes(name))).toEqual([]);
      expect(required.filter((name) => !given.includes(name))).toEqual([]);
    }
  });

  it('Terraform: the module blocks set only declared variables, and every required one', () => {
    const module = readModule(TERRAFORM);
    const variables = module.filter((b) => b.type === 'variable');
    const declared = variables.map((b) => b.labels[0]!);
    const required = variables.filter((b) => b.attributes.default === undefined).map((b) => b.labels[0]!);
    const outputs = module.filter((b) => b.type === 'output').map((b) => b.labels[0]!);
    const meta = ['source', 'version', 'depends_on', 'providers', 'count', 'for_each'];
    const snippets = codeBlocks(readFileSync(join(TERRAFORM, 'README.md'), 'utf8')).filter(
      (b) => b.lang === 'hcl',
    );
    const blocks = snippets.flatMap((b) => parseHcl(b.code));
    const modules = blocks.filter((b) => b.type === 'module');
    expect(modules.length).toBeGreaterThan(0);
    for (const block of modules) {
      const given = Object.keys(block.attributes).filter((name) => !meta.includes(name));
      expect(given.filter((name) => !declared.includes(name))).toEqual([]);
      expect(required.filter((name) => !given.includes(name))).toEqual([]);
    }
    const used = blocks
      .flatMap((b) => Object.values(b.attributes).flatMap(references))
      .map((ref) => ref.split('.'))
      // module.NAME.OUTPUT; a bare module.NAME (depends_on) names no output.
      .filter((parts) => parts[0] === 'module' && parts.length > 2)
      .map((parts) => parts[2]!);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !outputs.includes(name))).toEqual([]);
  });
});
