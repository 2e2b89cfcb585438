// The examples' trust policies (examples/cloudformation, examples/terraform) on real roles in moto, assumed by
// the action with the e2e world's tokens: what a user who deploys either example gets, for both of GitHub's
// subject forms, another repository, a repository recreated under the same name, and an enterprise's issuer.
// The policies are rendered by the unit tests' fixture (fixtures/example-stacks.ts), so what the unit tests
// evaluate is what moto checks here; createProvider is false, so the roles trust the world's seeded providers.
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  cloudFormationTrust,
  terraformTrust,
  type TemplateInputs,
  type Trust,
} from '../unit/fixtures/example-stacks.js';
import { IMMUTABLE_REPOSITORY } from '../unit/fixtures/github-tokens.js';
import { runAction, useWorld } from './fixture.js';
import { ENTERPRISE, GITHUB_RUN, GITHUB_SUBJECT, IMMUTABLE_SUBJECT } from './world/github-run.js';
import type { JobClaims } from './world/oidc-server.js';
import type { ActionStep } from './world/runner.js';

const world = useWorld();

beforeEach(() => {
  world().sts.clear();
  world().oidc.reset();
});

/** Another repository of the same owner, and this repository deleted and recreated under its name. */
const OTHER_REPOSITORY = { name: `${GITHUB_RUN.owner}/other-repo`, id: '690999999' };
const RECREATED_ID = '690000001';

const TOOLS: readonly {
  readonly tool: string;
  readonly prefix: string;
  readonly trustFor: (inputs: TemplateInputs) => Trust;
}[] = [
  { tool: 'CloudFormation', prefix: 'cfn', trustFor: cloudFormationTrust },
  { tool: 'Terraform', prefix: 'tf', trustFor: terraformTrust },
];

describe.each(TOOLS)("$tool: the example's role in moto, assumed by the action", ({ prefix, trustFor }) => {
  /**
   * The role `<prefix>-<name>` with the trust policy the example renders for these inputs in the world's
   * account, trusting the provider the world seeded for the issuer.
   */
  const deploy = async (name: string, inputs: TemplateInputs): Promise<string> => {
    const { policy, providerArn } = trustFor({ ...inputs, createProvider: false });
    const { oidcProvider, enterpriseOidcProvider } = world().account;
    expect(providerArn).toBe(inputs.enterpriseSlug === undefined ? oidcProvider : enterpriseOidcProvider);
    return world().createRole(`${prefix}-${name}`, policy);
  };

  /** One run of the action for the role, in a job whose tokens have these claims (true: the world's job). */
  const assume = (roleArn: string, idToken: JobClaims | true): Promise<ActionStep> => {
    world().sts.clear();
    world().oidc.reset();
    return runAction(world(), world().newJob({ idToken }), { 'role-to-assume': roleArn });
  };

  /** Admitted: the step's authenticated-arn is a session of the role (the default session name). */
  const expectAdmitted = (step: ActionStep, roleArn: string): void => {
    const role = roleArn.split(':role/')[1];
    expect({ exitCode: step.exitCode, arn: step.outputs['authenticated-arn'] }).toEqual({
      exitCode: 0,
      arn: `arn:aws:sts::${world().account.accountId}:assumed-role/${role}/GitHubActions`,
    });
    const web = world().sts.requests.filter((r) => r.action === 'AssumeRoleWithWebIdentity');
    expect(web.map((r) => r.status)).toEqual([200]);
  };

  /** Refused by the trust policy: one AssumeRoleWithWebIdentity (not retried), AccessDenied, nothing exported. */
  const expectRefused = (step: ActionStep, roleArn: string): void => {
    expect({ exitCode: step.exitCode, exported: step.exported }).toEqual({ exitCode: 1, exported: {} });
    expect(world().sts.requests.map((r) => [r.action, r.params.RoleArn, r.status])).toEqual([
      ['AssumeRoleWithWebIdentity', roleArn, 403],
    ]);
  };

  describe('Repository in the immutable form, with AdmitNameForm and RepositoryId (admit_name_form, repository_id)', () => {
    let role = '';
    beforeAll(async () => {
      role = await deploy('both-forms', {
        repository: IMMUTABLE_REPOSITORY,
        admitNameForm: true,
        repositoryId: GITHUB_RUN.repositoryId,
      });
    });

    it("admits this repository's token in the immutable form and in the name form", async () => {
      expectAdmitted(await assume(role, { subject: 'immutable' }), role);
      expectAdmitted(await assume(role, true), role);
    });

    it("refuses another repository's token, in either form", async () => {
      expectRefused(await assume(role, { repository: OTHER_REPOSITORY, subject: 'immutable' }), role);
      expectRefused(await assume(role, { repository: OTHER_REPOSITORY }), role);
    });

    // The name-form sub of a recreated repository is this one's; only the repository_id condition tells them
    // apart, and that is why AdmitNameForm needs RepositoryId. The diagnosis shows both values.
    it('refuses a repository recreated under the same name (another repository_id)', async () => {
      const step = await assume(role, { repositoryId: RECREATED_ID });
      expectRefused(step, role);
      const keys = step.log.split('\n').map((line) => line.trim().split(/ +/));
      expect(keys).toContainEqual(['sub', GITHUB_SUBJECT]);
      expect(keys).toContainEqual(['repository_id', RECREATED_ID]);
      expectRefused(await assume(role, { repositoryId: RECREATED_ID, subject: 'immutable' }), role);
    });
  });

  describe('Repository in the name form only', () => {
    let role = '';
    beforeAll(async () => {
      role = await deploy('name-form', { repository: GITHUB_RUN.repository });
    });

    it('admits the name-form token', async () => {
      expectAdmitted(await assume(role, true), role);
    });

    it('refuses the immutable-form token, and the diagnosis says the token has the immutable form', async () => {
      const step = await assume(role, { subject: 'immutable' });
      expectRefused(step, role);
      expect(step.log).toContain(`${IMMUTABLE_SUBJECT} (the immutable form repo:OWNER@OWNER_ID/REPO@REPO_ID`);
    });
  });

  describe(`EnterpriseSlug (enterprise_slug) ${ENTERPRISE.slug}`, () => {
    let role = '';
    beforeAll(async () => {
      role = await deploy('enterprise', { enterpriseSlug: ENTERPRISE.slug });
    });

    it("admits the enterprise issuer's token", async () => {
      expectAdmitted(await assume(role, { enterprise: true }), role);
    });

    it("refuses the public issuer's token", async () => {
      expectRefused(await assume(role, true), role);
    });
  });
});
