// What each AWS-side example (examples/cloudformation, examples/terraform) must do for the e2e world's
// repository, whatever the tool: which tokens its trust policy admits, and which inputs it refuses. The same
// cases run for both; fixtures/example-stacks.ts renders each tool's trust for the inputs, or throws where the
// tool refuses them (CloudFormation's parameter patterns and Rules, Terraform's validations and
// preconditions).
import { describe, expect, it } from '@jest/globals';
import { ENTERPRISE, GITHUB_ISSUER, GITHUB_RUN, IMMUTABLE_SUBJECT } from '../e2e/world/github-run.js';
import { ACCOUNT_ID, CUSTOM_AUDIENCE, SEED } from '../e2e/world/seed.js';
import {
  CLOUDFORMATION,
  cloudFormationTrust,
  TERRAFORM,
  terraformTrust,
  type TemplateInputs,
  type Trust,
} from './fixtures/example-stacks.js';
import {
  ENTERPRISE_HOST,
  IMMUTABLE_REPOSITORY,
  inEnvironment,
  JOB,
  NAME,
  OIDC_HOST,
  OWNER,
  OWNER_ID,
  REPOSITORY_ID,
  subject,
  token,
} from './fixtures/github-tokens.js';
import { admitsWebIdentity, type PolicyDocument } from './fixtures/trust-policy.js';

const ENTERPRISE_PROVIDER = SEED.enterpriseOidcProvider;

/** Every condition key of the policy, sorted. */
const conditionKeys = (policy: PolicyDocument): string[] =>
  policy.Statement.flatMap((s) =>
    Object.values(s.Condition ?? {}).flatMap((keys) => Object.keys(keys)),
  ).sort();

const OTHER_REPOSITORY = subject(`${GITHUB_RUN.owner}/other-repo`);
const ENVIRONMENT_SUBJECT = subject(GITHUB_RUN.repository, 'environment:production');
/** A reusable workflow of another repository, whose jobs a role may admit alone. */
const PLATFORM_WORKFLOW = `${OWNER}/platform/.github/workflows/deploy.yml@refs/heads/main`;

// Named as the tools' own describe blocks (examples-cloudformation/-terraform.test.ts), so a case reads as
// "CloudFormation: <template> rejects another branch".
const TOOLS: readonly (readonly [string, (inputs: TemplateInputs) => Trust])[] = [
  [`CloudFormation: ${CLOUDFORMATION}`, cloudFormationTrust],
  [`Terraform: ${TERRAFORM}`, terraformTrust],
];

describe.each(TOOLS)('%s', (_, policyFor) => {
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
});
