// The AWS-side examples (examples/cloudformation, examples/terraform): their structure, and that the trust
// policy each one creates admits the token the end-to-end world's job gets and nothing wider.
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ENTERPRISE,
  GITHUB_ISSUER,
  GITHUB_RUN,
  GITHUB_SUBJECT,
  IMMUTABLE_SUBJECT,
} from '../e2e/world/github-run.js';
import { ACCOUNT_ID, CUSTOM_AUDIENCE, SEED } from '../e2e/world/seed.js';
import { instantiate, parseTemplate, undeclaredNames, type Deployment } from './fixtures/cloudformation.js';
import {
  evaluate,
  expandBlocks,
  parseExpression,
  parseHcl,
  references,
  type Block,
  type Expr,
  type Scope,
} from './fixtures/hcl.js';
import { codeBlocks, plain, section, tableRows } from './fixtures/markdown.js';
import {
  admitsWebIdentity,
  stringLike,
  type PolicyDocument,
  type Statement,
} from './fixtures/trust-policy.js';

const CLOUDFORMATION = 'examples/cloudformation/github-oidc-role.yaml';
const TERRAFORM = 'examples/terraform/github-oidc-role';

const OIDC_HOST = GITHUB_ISSUER.replace('https://', '');
const WORLD: Deployment = { partition: 'aws', accountId: ACCOUNT_ID, region: 'us-east-1' };

// The e2e world's repository ids: its token's repository_owner_id and repository_id claims.
const OWNER_ID = GITHUB_RUN.ownerId;
const REPOSITORY_ID = GITHUB_RUN.repositoryId;
const [OWNER, NAME] = GITHUB_RUN.repository.split('/') as [string, string];
/** The e2e world's repository as the immutable sub names it (new or renamed repositories, since 2026-07-15). */
const IMMUTABLE_REPOSITORY = `${OWNER}@${OWNER_ID}/${NAME}@${REPOSITORY_ID}`;

/** The e2e world's enterprise, with its own issuer https://token.actions.githubusercontent.com/<slug>. */
const ENTERPRISE_HOST = ENTERPRISE.issuer.replace('https://', '');
const ENTERPRISE_PROVIDER = SEED.enterpriseOidcProvider;

/** The claims STS offers as condition keys (`<host>:<claim>`): aud and sub, and more since January 2026. */
const CONDITION_CLAIMS = [
  'sub',
  'aud',
  'actor',
  'actor_id',
  'repository',
  'repository_id',
  'job_workflow_ref',
  'workflow',
  'ref',
  'environment',
  'enterprise_id',
] as const;
type Claims = { readonly [claim in (typeof CONDITION_CLAIMS)[number]]?: string | undefined };

/** The e2e world's job: its repository, on main, for sts.amazonaws.com, without an environment. */
const JOB: Claims = {
  sub: GITHUB_SUBJECT,
  aud: 'sts.amazonaws.com',
  actor: GITHUB_RUN.actor,
  actor_id: GITHUB_RUN.actorId,
  repository: GITHUB_RUN.repository,
  repository_id: REPOSITORY_ID,
  job_workflow_ref: `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@${GITHUB_RUN.ref}`,
  workflow: GITHUB_RUN.workflow,
  ref: GITHUB_RUN.ref,
};

/** The condition keys STS checks for the job's token with these claims changed (undefined: without it). */
function token(changes: Claims = {}, host = OIDC_HOST): Record<string, string> {
  const claims: Claims = { ...JOB, ...changes };
  return Object.fromEntries(
    CONDITION_CLAIMS.flatMap((claim) => {
      const value = claims[claim];
      return value === undefined ? [] : [[`${host}:${claim}`, value]];
    }),
  );
}

/** A sub claim, `repo:<repository>:<context>`: by default the job's branch. */
const subject = (repository: string, context = `ref:${GITHUB_RUN.ref}`): string =>
  `repo:${repository}:${context}`;

/** The token of a job with an environment: the environment form of sub, and the environment claim. */
const inEnvironment = (name: string, repository: string = GITHUB_RUN.repository): Record<string, string> =>
  token({ sub: subject(repository, `environment:${name}`), environment: name });

/** What a user chooses when deploying either template, and where it is deployed. */
interface TemplateInputs {
  readonly repository?: string;
  readonly admitNameForm?: boolean;
  readonly repositoryId?: string;
  readonly branch?: string;
  readonly environment?: string;
  readonly jobWorkflowRef?: string;
  readonly audience?: string;
  readonly enterpriseSlug?: string;
  readonly createProvider?: boolean;
  readonly partition?: string;
}

/** The trust policy a deployment gets, the provider ARN STS checks tokens against, the provider it creates. */
interface Trust {
  readonly policy: PolicyDocument;
  readonly providerArn: string;
  /** The created provider's URL; undefined when the role trusts an existing provider. */
  readonly providerUrl: string | undefined;
}

/** Every condition key of the policy, sorted. */
const conditionKeys = (policy: PolicyDocument): string[] =>
  policy.Statement.flatMap((s) =>
    Object.values(s.Condition ?? {}).flatMap((keys) => Object.keys(keys)),
  ).sort();

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

/** The example repository of the READMEs, in the immutable form. */
const README_IMMUTABLE = 'my-org@1234567/my-app@987654321';

const OTHER_REPOSITORY = subject(`${GITHUB_RUN.owner}/other-repo`);
const ENVIRONMENT_SUBJECT = subject(GITHUB_RUN.repository, 'environment:production');
/** A reusable workflow of another repository, whose jobs a role may admit alone. */
const PLATFORM_WORKFLOW = `${OWNER}/platform/.github/workflows/deploy.yml@refs/heads/main`;

/**
 * What each template must do for the e2e world's repository, whatever the tool: which tokens its trust
 * policy admits, and which inputs it refuses. `policyFor` gives the trust, or throws where the tool refuses
 * the inputs (CloudFormation's parameter patterns and Rules, Terraform's validations and preconditions).
 */
function trustCases(policyFor: (inputs: TemplateInputs) => Trust): void {
  const admits = (inputs: TemplateInputs, context: Record<string, string>): boolean => {
    const { policy, providerArn } = policyFor(inputs);
    return admitsWebIdentity(policy, { providerArn, context });
  };

  it("trusts the e2e world's OIDC provider", () => {
    expect(policyFor({}).providerArn).toBe(SEED.oidcProvider);
    expect(policyFor({}).providerUrl).toBe(GITHUB_ISSUER);
    expect(policyFor({ createProvider: false }).providerArn).toBe(SEED.oidcProvider);
    expect(policyFor({ createProvider: false }).providerUrl).toBeUndefined();
  });

  it("admits the e2e world's token (its repository, on main, for sts.amazonaws.com)", () => {
    expect(admits({}, token())).toBe(true);
    expect(admits({ createProvider: false }, token())).toBe(true);
  });

  it.each([
    ['another repository', token({ sub: OTHER_REPOSITORY })],
    ['a repository whose name starts the same', token({ sub: subject(`${GITHUB_RUN.repository}-fork`) })],
    ['another branch', token({ sub: subject(GITHUB_RUN.repository, 'ref:refs/heads/feature') })],
    ['a pull request', token({ sub: subject(GITHUB_RUN.repository, 'pull_request') })],
    ['a job with an environment', inEnvironment('production')],
    ['another audience', token({ aud: CUSTOM_AUDIENCE })],
    ['a token without sub', token({ sub: undefined })],
  ])('rejects %s', (_, context) => {
    expect(admits({}, context)).toBe(false);
  });

  it('rejects a token from another provider', () => {
    const { policy } = policyFor({});
    const other = SEED.oidcProvider.replace(OIDC_HOST, 'gitlab.com');
    expect(admitsWebIdentity(policy, { providerArn: other, context: token() })).toBe(false);
  });

  it('with an environment, admits jobs with that environment only (sub and environment claim)', () => {
    const production = { environment: 'production' };
    expect(admits(production, inEnvironment('production'))).toBe(true);
    expect(admits(production, token())).toBe(false);
    expect(admits(production, inEnvironment('staging'))).toBe(false);
    expect(admits(production, token({ sub: ENVIRONMENT_SUBJECT, environment: 'staging' }))).toBe(false);
    expect(admits(production, token({ sub: ENVIRONMENT_SUBJECT }))).toBe(false);
    // A space is fine in an environment's name, and stays inside its JSON string.
    expect(admits({ environment: 'Production EU' }, inEnvironment('Production EU'))).toBe(true);
  });

  it('with a branch pattern, admits matching branches only', () => {
    const on = (branch: string) => token({ sub: subject(GITHUB_RUN.repository, `ref:refs/heads/${branch}`) });
    expect(admits({ branch: 'release/*' }, on('release/1.2'))).toBe(true);
    expect(admits({ branch: 'release/*' }, on('main'))).toBe(false);
  });

  it('uses the partition of the account it is deployed in', () => {
    expect(policyFor({ partition: 'aws-cn' }).providerArn).toBe(
      `arn:aws-cn:iam::${ACCOUNT_ID}:oidc-provider/${OIDC_HOST}`,
    );
    expect(policyFor({ partition: 'aws-cn', createProvider: false }).providerArn).toMatch(/^arn:aws-cn:/);
  });

  describe('the subject forms', () => {
    const immutable = { repository: IMMUTABLE_REPOSITORY };
    const both = { ...immutable, admitNameForm: true, repositoryId: REPOSITORY_ID };
    const recreatedId = '690999999';

    it('a name-form Repository admits the name form only', () => {
      expect(admits({}, token())).toBe(true);
      expect(admits({}, token({ sub: subject(IMMUTABLE_REPOSITORY) }))).toBe(false);
    });

    it('an immutable-form Repository admits the immutable form only', () => {
      // The e2e world's immutable sub, as its OIDC server issues it.
      expect(subject(IMMUTABLE_REPOSITORY)).toBe(IMMUTABLE_SUBJECT);
      expect(admits(immutable, token({ sub: IMMUTABLE_SUBJECT }))).toBe(true);
      expect(admits(immutable, token())).toBe(false);
      const production = { ...immutable, environment: 'production' };
      expect(admits(production, inEnvironment('production', IMMUTABLE_REPOSITORY))).toBe(true);
      expect(admits(production, inEnvironment('production'))).toBe(false);
    });

    it.each([
      ['a wrong owner id', `${OWNER}@1/${NAME}@${REPOSITORY_ID}`],
      ['a wrong repository id', `${OWNER}@${OWNER_ID}/${NAME}@2`],
      ['wrong ids', `${OWNER}@1/${NAME}@2`],
      ['another repository', `${OWNER}@${OWNER_ID}/other-repo@690000001`],
    ])('an immutable-form Repository rejects %s', (_, repository) => {
      expect(admits(immutable, token({ sub: subject(repository) }))).toBe(false);
      expect(admits(both, token({ sub: subject(repository) }))).toBe(false);
    });

    it('with AdmitNameForm and RepositoryId, admits both forms of this very repository', () => {
      expect(admits(both, token({ sub: subject(IMMUTABLE_REPOSITORY) }))).toBe(true);
      expect(admits(both, token())).toBe(true);
      const production = { ...both, environment: 'production' };
      expect(admits(production, inEnvironment('production', IMMUTABLE_REPOSITORY))).toBe(true);
      expect(admits(production, inEnvironment('production'))).toBe(true);
    });

    it('with AdmitNameForm, rejects a recreated repository of the same name, and other repositories', () => {
      expect(admits(both, token({ repository_id: recreatedId }))).toBe(false);
      const recreated = `${OWNER}@${OWNER_ID}/${NAME}@${recreatedId}`;
      expect(admits(both, token({ sub: subject(recreated), repository_id: recreatedId }))).toBe(false);
      const other = { repository: `${OWNER}/other-repo`, repository_id: '690000001' };
      expect(admits(both, token({ ...other, sub: OTHER_REPOSITORY }))).toBe(false);
      const otherImmutable = subject(`${OWNER}@${OWNER_ID}/other-repo@690000001`);
      expect(admits(both, token({ ...other, sub: otherImmutable }))).toBe(false);
      expect(admits(both, token({ sub: subject(GITHUB_RUN.repository, 'ref:refs/heads/feature') }))).toBe(
        false,
      );
    });

    it('with AdmitNameForm and a name-form Repository, admits the name form only', () => {
      const nameForm = { admitNameForm: true, repositoryId: REPOSITORY_ID };
      expect(admits(nameForm, token())).toBe(true);
      expect(admits(nameForm, token({ sub: subject(IMMUTABLE_REPOSITORY) }))).toBe(false);
    });

    it('refuses AdmitNameForm without RepositoryId', () => {
      expect(() => policyFor({ ...immutable, admitNameForm: true })).toThrow(/repository.?id/i);
      expect(() => policyFor({ ...immutable, admitNameForm: false })).not.toThrow();
    });
  });

  describe('the optional conditions', () => {
    it('RepositoryId admits that repository only, and not a token without repository_id', () => {
      const pinned = { repositoryId: REPOSITORY_ID };
      expect(admits(pinned, token())).toBe(true);
      expect(admits(pinned, token({ repository_id: '690000001' }))).toBe(false);
      expect(admits(pinned, token({ repository_id: undefined }))).toBe(false);
    });

    it('JobWorkflowRef admits jobs of that workflow only (wildcards allowed)', () => {
      const platform = { jobWorkflowRef: PLATFORM_WORKFLOW };
      expect(admits(platform, token({ job_workflow_ref: PLATFORM_WORKFLOW }))).toBe(true);
      expect(admits(platform, token())).toBe(false);
      expect(admits(platform, token({ job_workflow_ref: undefined }))).toBe(false);
      const anyRef = { jobWorkflowRef: PLATFORM_WORKFLOW.replace(/@.*/, '@*') };
      expect(
        admits(anyRef, token({ job_workflow_ref: `${anyRef.jobWorkflowRef.slice(0, -1)}refs/tags/v2` })),
      ).toBe(true);
    });

    it('without them, the policy checks aud and sub only', () => {
      expect(conditionKeys(policyFor({}).policy)).toEqual([`${OIDC_HOST}:aud`, `${OIDC_HOST}:sub`]);
    });

    // Every combination of the optional inputs gives a policy (for CloudFormation, JSON text that parses)
    // with exactly the condition keys of the inputs set.
    const combinations = Array.from({ length: 32 }, (_, bits): TemplateInputs => ({
      ...(bits & 1 && { repository: IMMUTABLE_REPOSITORY, admitNameForm: true }),
      ...(bits & 2 && { repositoryId: REPOSITORY_ID }),
      ...(bits & 4 && { environment: 'production' }),
      ...(bits & 8 && { jobWorkflowRef: PLATFORM_WORKFLOW }),
      ...(bits & 16 && { enterpriseSlug: ENTERPRISE.slug }),
    })).filter((inputs) => !inputs.admitNameForm || inputs.repositoryId !== undefined);
    it.each(combinations.map((inputs) => [JSON.stringify(inputs), inputs] as const))(
      '%s: the condition keys',
      (_, inputs) => {
        const host = inputs.enterpriseSlug ? ENTERPRISE_HOST : OIDC_HOST;
        const expected = [
          'aud',
          'sub',
          ...(inputs.repositoryId ? ['repository_id'] : []),
          ...(inputs.environment ? ['environment'] : []),
          ...(inputs.jobWorkflowRef ? ['job_workflow_ref'] : []),
        ];
        expect(conditionKeys(policyFor(inputs).policy)).toEqual(
          expected.map((key) => `${host}:${key}`).sort(),
        );
      },
    );
  });

  describe('an enterprise issuer (EnterpriseSlug)', () => {
    const enterprise = { enterpriseSlug: ENTERPRISE.slug };
    // The enterprise issuer's token: the job's claims and the enterprise's id, under the enterprise's host.
    const enterpriseToken = token({ enterprise_id: ENTERPRISE.id }, ENTERPRISE_HOST);

    it("creates or trusts the enterprise's provider", () => {
      expect(policyFor(enterprise)).toMatchObject({
        providerArn: ENTERPRISE_PROVIDER,
        providerUrl: `https://${ENTERPRISE_HOST}`,
      });
      expect(policyFor({ ...enterprise, createProvider: false })).toMatchObject({
        providerArn: ENTERPRISE_PROVIDER,
        providerUrl: undefined,
      });
    });

    it("admits the enterprise issuer's token, with or without creating the provider", () => {
      expect(admits(enterprise, enterpriseToken)).toBe(true);
      expect(admits({ ...enterprise, createProvider: false }, enterpriseToken)).toBe(true);
      const pinned = { ...enterprise, repositoryId: REPOSITORY_ID, jobWorkflowRef: JOB.job_workflow_ref! };
      expect(admits(pinned, enterpriseToken)).toBe(true);
    });

    it("rejects the public issuer's token, and the public policy rejects the enterprise's", () => {
      const { policy } = policyFor(enterprise);
      expect(admitsWebIdentity(policy, { providerArn: SEED.oidcProvider, context: token() })).toBe(false);
      // Keys of the public host (as if STS named them so) don't satisfy the enterprise's conditions either.
      expect(admitsWebIdentity(policy, { providerArn: ENTERPRISE_PROVIDER, context: token() })).toBe(false);
      const publicPolicy = policyFor({}).policy;
      expect(
        admitsWebIdentity(publicPolicy, { providerArn: ENTERPRISE_PROVIDER, context: enterpriseToken }),
      ).toBe(false);
    });
  });

  describe('the inputs it refuses', () => {
    it.each([GITHUB_RUN.repository, IMMUTABLE_REPOSITORY, 'my.org_1/my-app.v2'])(
      'accepts the repository %s',
      (repository) => {
        expect(() => policyFor({ repository })).not.toThrow();
      },
    );

    it.each([
      'octo-org',
      'octo-org@1/octo-repo',
      'octo-org/octo-repo@2',
      'octo-org/octo-repo:*',
      'o@x/r@y',
      'octo-org/octo-repo/x',
      'octo-org/octo-repo"',
      '',
    ])('refuses the repository %j', (repository) => {
      expect(() => policyFor({ repository })).toThrow(/repository/i);
    });

    // Quotes or backslashes would end a JSON string in CloudFormation's policy text; GitHub never puts them
    // in these claims.
    it.each([
      ['branch', /branch/i, { branch: 'main"], "x": ["' }],
      ['branch', /branch/i, { branch: 'main\\' }],
      ['branch', /branch/i, { branch: 'ma in' }],
      ['environment', /environment/i, { environment: 'production", "x": "y' }],
      ['environment', /environment/i, { environment: 'production\n' }],
      ['environment', /environment/i, { environment: 'prod*' }],
      ['job workflow ref', /job_?workflow_?ref/i, { jobWorkflowRef: `${PLATFORM_WORKFLOW}"` }],
      ['audience', /audience/i, { audience: 'sts.amazonaws.com", "x": "y' }],
      ['repository id', /repository_?id/i, { repositoryId: '1", "x": "y' }],
      ['enterprise slug', /enterprise_?slug/i, { enterpriseSlug: 'octo"' }],
      ['enterprise slug', /enterprise_?slug/i, { enterpriseSlug: 'Octo/x' }],
    ])('refuses a %s that would not stay in its JSON string: %#', (_, message, inputs) => {
      expect(() => policyFor(inputs)).toThrow(message);
    });
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

describe('the CloudFormation evaluator', () => {
  const template = parseTemplate(`
Parameters:
  Size: { Type: String, AllowedPattern: 'small|large', Default: small }
  Zone: { Type: String, Default: a }
Rules:
  LargeNeedsAOrB:
    RuleCondition: !Equals [!Ref Size, large]
    Assertions:
      - Assert: { 'Fn::Contains': [[a, b], !Ref Zone] }
        AssertDescription: a large one needs zone a or b
      - Assert: !Or [!Equals [!Ref Zone, a], !And [!Equals [!Ref Zone, b], !Not [!Equals [!Ref Size, small]]]]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Select [1, !Split ['-', !Sub ['\${Size}-\${Where}', { Where: !Ref Zone }]]]
`);
  const deploy = (given: Record<string, string>) => instantiate(template, given, WORLD);

  it('matches AllowedPattern against the whole value, as CloudFormation does', () => {
    expect(() => deploy({ Size: 'large' })).not.toThrow();
    expect(() => deploy({ Size: 'smallish' })).toThrow(/does not match/);
  });

  it('checks the Rules whose RuleCondition holds, and refuses with the AssertDescription', () => {
    expect(() => deploy({ Size: 'large', Zone: 'c' })).toThrow(
      /rule LargeNeedsAOrB: a large one needs zone a or b/,
    );
    expect(() => deploy({ Size: 'large', Zone: 'b' })).not.toThrow();
    expect(() => deploy({ Size: 'small', Zone: 'c' })).not.toThrow();
  });

  it('resolves Fn::Sub with a variable map, Fn::Split and Fn::Select; an index past the end fails', () => {
    expect(deploy({ Zone: 'b' }).resources.Topic?.Properties.TopicName).toBe('b');
    const past = parseTemplate(`
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: { TopicName: !Select [1, !Split ['/', 'no-slash']] }
`);
    expect(() => instantiate(past, {}, WORLD)).toThrow(/Fn::Select: no index 1/);
  });
});

describe('the HCL evaluator', () => {
  const value = (source: string) => evaluate(parseExpression(source), () => undefined);

  it.each([
    ['regex("^a+$", "aa")', 'aa'],
    ['regex("^(a)(b)?$", "a")', ['a', null]],
    ['regex("^(?<x>a)$", "a")', { x: 'a' }],
    ['can(regex("^a$", "b"))', false],
    ['replace("o@1/r@2", "/@[0-9]+/", "")', 'o/r'],
    ['replace("a.b.c", ".", "-")', 'a-b-c'],
    ['split("/", "o/r")', ['o', 'r']],
    ['concat(["a"], [], ["b", "c"])', ['a', 'b', 'c']],
    ['compact(["a", "", null, "b"])', ['a', 'b']],
    ['distinct(["a", "b", "a"])', ['a', 'b']],
    ['true ? ["a"] : []', ['a']],
  ])('%s is %j, as in Terraform', (source, expected) => {
    expect(value(source)).toEqual(expected);
  });

  it('expands dynamic blocks in source order, with their iterator in scope', () => {
    const [statement] = parseHcl(`
      statement {
        condition { test = "literal" }
        dynamic "condition" {
          for_each = ["x", "y"]
          content { test = "\${condition.key}:\${condition.value}" }
        }
        dynamic "condition" {
          for_each = { b = 2, a = 1 }
          iterator = c
          content { test = "\${c.key}=\${c.value}" }
        }
      }`);
    const tests = expandBlocks(statement!, 'condition', () => undefined).map(({ block, scope }) =>
      evaluate(block.attributes.test!, scope),
    );
    expect(tests).toEqual(['literal', '0:x', '1:y', 'a=1', 'b=2']);
  });
});

describe('CloudFormation: examples/cloudformation/github-oidc-role.yaml', () => {
  const template = parseTemplate(readFileSync(CLOUDFORMATION, 'utf8'));
  /** The template's parameter for each input. */
  const PARAMETERS: Readonly<Record<Exclude<keyof TemplateInputs, 'partition'>, string>> = {
    repository: 'Repository',
    admitNameForm: 'AdmitNameForm',
    repositoryId: 'RepositoryId',
    branch: 'Branch',
    environment: 'Environment',
    jobWorkflowRef: 'JobWorkflowRef',
    audience: 'Audience',
    enterpriseSlug: 'EnterpriseSlug',
    createProvider: 'CreateOidcProvider',
  };
  const stack = ({ partition, ...inputs }: TemplateInputs) =>
    instantiate(
      template,
      {
        Repository: GITHUB_RUN.repository,
        ...Object.fromEntries(
          Object.entries(inputs).map(([input, value]) => [
            PARAMETERS[input as keyof typeof PARAMETERS],
            String(value),
          ]),
        ),
      },
      { ...WORLD, partition: partition ?? WORLD.partition },
    );
  /** The stack's trust policy: JSON text (its keys depend on EnterpriseSlug), parsed. */
  const trustOf = (s: ReturnType<typeof stack>): PolicyDocument => {
    const document = s.resources.GitHubActionsRole?.Properties.AssumeRolePolicyDocument;
    if (typeof document !== 'string') throw new Error('AssumeRolePolicyDocument is not JSON text');
    return JSON.parse(document) as PolicyDocument;
  };

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

  trustCases((inputs) => {
    const s = stack(inputs);
    return {
      policy: trustOf(s),
      providerArn: s.outputs.OidcProviderArn as string,
      providerUrl: s.resources.GitHubOidcProvider?.Properties.Url as string | undefined,
    };
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

  /** The module's variable for each input. */
  const VARIABLES: Readonly<Record<Exclude<keyof TemplateInputs, 'partition'>, string>> = {
    repository: 'repository',
    admitNameForm: 'admit_name_form',
    repositoryId: 'repository_id',
    branch: 'branch',
    environment: 'environment',
    jobWorkflowRef: 'job_workflow_ref',
    audience: 'audience',
    enterpriseSlug: 'enterprise_slug',
    createProvider: 'create_oidc_provider',
  };

  /**
   * What `terraform plan` checks before it computes anything: every variable's validations, then the
   * preconditions of resources and data sources. The first that fails throws its error_message.
   */
  const check = (scope: Scope): void => {
    const holds = (block: Block, what: string) => {
      const condition = evaluate(block.attributes.condition!, scope);
      if (typeof condition !== 'boolean') throw new Error(`${what}: the condition is not a bool`);
      if (!condition) throw new Error(`${what}: ${String(evaluate(block.attributes.error_message!, scope))}`);
    };
    for (const variable of blocks.filter((b) => b.type === 'variable')) {
      for (const validation of variable.blocks.filter((b) => b.type === 'validation'))
        holds(validation, `variable "${variable.labels[0]}"`);
    }
    for (const block of blocks.filter((b) => b.type === 'resource' || b.type === 'data')) {
      const preconditions = block.blocks
        .filter((b) => b.type === 'lifecycle')
        .flatMap((lifecycle) => lifecycle.blocks.filter((b) => b.type === 'precondition'));
      for (const precondition of preconditions)
        holds(precondition, `${block.type} ${block.labels.join('.')}`);
    }
  };

  /**
   * A scope like Terraform's for these variable values (checked as plan would), with the data sources of the
   * e2e world's account.
   */
  const scopeFor = ({ partition = WORLD.partition, ...inputs }: TemplateInputs): Scope => {
    const variables: Record<string, unknown> = {};
    for (const block of blocks.filter((b) => b.type === 'variable')) {
      const name = block.labels[0]!;
      if (block.attributes.default) variables[name] = evaluate(block.attributes.default, () => undefined);
    }
    variables.repository = GITHUB_RUN.repository;
    for (const [input, value] of Object.entries(inputs))
      variables[VARIABLES[input as keyof typeof VARIABLES]] = value;
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
    check(scope);
    return scope;
  };

  /** data "aws_iam_policy_document" "trust", rendered to the JSON policy Terraform would produce. */
  const trustPolicy = (scope: Scope): PolicyDocument => {
    const document = find('data', 'aws_iam_policy_document', 'trust');
    const value = (expr: Expr | undefined, inner: Scope = scope): unknown =>
      expr === undefined ? undefined : evaluate(expr, inner);
    return {
      Version: '2012-10-17',
      Statement: document.blocks
        .filter((b) => b.type === 'statement')
        .map((statement) => {
          const principals = statement.blocks.filter((b) => b.type === 'principals');
          // Literal condition blocks and dynamic ones; those with the same test share an operator.
          const condition: Record<string, Record<string, string[]>> = {};
          for (const { block: c, scope: inner } of expandBlocks(statement, 'condition', scope)) {
            const test = value(c.attributes.test, inner) as string;
            const variable = value(c.attributes.variable, inner) as string;
            if (condition[test]?.[variable]) throw new Error(`two ${test} conditions on ${variable}`);
            condition[test] = {
              ...condition[test],
              [variable]: value(c.attributes.values, inner) as string[],
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

  trustCases((inputs) => {
    const scope = scopeFor(inputs);
    const provider = find('resource', 'aws_iam_openid_connect_provider', 'github');
    const created = evaluate(provider.attributes.count!, scope) === 1;
    return {
      policy: trustPolicy(scope),
      providerArn: evaluate(find('output', 'oidc_provider_arn').attributes.value!, scope) as string,
      providerUrl: created ? (evaluate(provider.attributes.url!, scope) as string) : undefined,
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
