// A hostile stand-in for STS (whatever sts-endpoint, AWS_ENDPOINT_URL_STS or a proxy leads to) and a hostile
// ID-token endpoint. An answer's values end up in ~/.aws/credentials, GITHUB_ENV, the post step's state and the
// log, so a line break in one could add a credential_process line that later AWS CLI steps run, or a workflow
// command the runner acts on. Every answer is checked before anything is masked, written, logged or saved: the
// step fails on one ::error:: that names the field and its rule, never the value, and hands nothing on.
import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { SignJWT } from 'jose';
import { runAction, useWorld, worldSecrets } from './fixture.js';
import { escapeRegExp, expectNoInjectedCommands } from './hostile-checks.js';
import { credentialsIn, findLeaks, findUnmasked } from './leaks.js';
import { attemptsOf, expectFailedCleanly, resetFaults } from './step-checks.js';
import { GITHUB_RUN, GITHUB_SUBJECT } from './world/github-run.js';
import type { ActionStep, Job } from './world/runner.js';

jest.setTimeout(30_000);
const world = useWorld();
beforeEach(() => resetFaults(world()));

type Call = 'AssumeRole' | 'AssumeRoleWithWebIdentity';

interface Answer {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  arn: string;
}

/** Values as STS sends them: this answer alone is taken (the checks are not stricter than STS). */
function wellFormed(): Answer {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(300).toString('base64'),
    expiration: new Date(Date.now() + 3_600_000).toISOString(),
    arn: `arn:aws:sts::${world().account.accountId}:assumed-role/deploy/GitHubActions`,
  };
}

const xmlText = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An STS answer in the Query protocol's XML, with these values as they are (line breaks and all). */
function assumeAnswer(call: Call, answer: Answer): string {
  const webIdentity =
    call === 'AssumeRoleWithWebIdentity'
      ? `<SubjectFromWebIdentityToken>${GITHUB_SUBJECT}</SubjectFromWebIdentityToken>` +
        '<Audience>sts.amazonaws.com</Audience>' +
        `<Provider>arn:aws:iam::${world().account.accountId}:oidc-provider/token.actions.githubusercontent.com</Provider>`
      : '';
  return (
    `<${call}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${call}Result>` +
    `<Credentials><AccessKeyId>${xmlText(answer.accessKeyId)}</AccessKeyId>` +
    `<SecretAccessKey>${xmlText(answer.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${xmlText(answer.sessionToken)}</SessionToken>` +
    `<Expiration>${xmlText(answer.expiration)}</Expiration></Credentials>` +
    webIdentity +
    `<AssumedRoleUser><AssumedRoleId>AROA${'X'.repeat(17)}:GitHubActions</AssumedRoleId>` +
    `<Arn>${xmlText(answer.arn)}</Arn></AssumedRoleUser>` +
    `</${call}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${call}Response>`
  );
}

function callerAnswer(account: string, arn: string): string {
  return (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
    `<Arn>${xmlText(arn)}</Arn><UserId>AIDA${'Y'.repeat(17)}</UserId><Account>${xmlText(account)}</Account>` +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
    '</GetCallerIdentityResponse>'
  );
}

/** A section and a key for the credentials file: the AWS CLI would run the command for profile evil. */
const credentialProcessIn = (job: Job) => `\n[evil]\ncredential_process = touch ${pwnedFile(job)}`;
const pwnedFile = (job: Job) => path.join(job.root, 'pwned');

/** How the errors name the ARN field (AssumedRoleUser.Arn, or GetCallerIdentity's Arn). */
const ARN = /\bArn\b/;

/** The commands the ARN values below smuggle in. */
const INJECTED = ['::warning::INJECTED', '::save-state', '##[warning]INJECTED'];

/** The source of each call: access keys for AssumeRole (signed), GitHub OIDC for the web identity call. */
function sourceFor(call: Call, debug = false): { job: Job; inputs: Record<string, string> } {
  const { account } = world();
  return call === 'AssumeRole'
    ? {
        job: world().newJob({ debug }),
        inputs: {
          'aws-access-key-id': account.accessKeyId,
          'aws-secret-access-key': account.secretAccessKey,
          'role-to-assume': account.deployRole,
        },
      }
    : { job: world().newJob({ idToken: true, debug }), inputs: { 'role-to-assume': account.deployRole } };
}

/**
 * Failed on the answer of `call`: one error line that starts as the spec says and names the field, the call
 * made once (an answer that breaks a rule is not retried), nothing handed on, no file written, no command
 * smuggled into the log.
 */
function expectRefusedAnswer(step: ActionStep, job: Job, call: string, field: RegExp): string {
  const error = expectFailedCleanly(step, job);
  expect(error).toMatch(
    new RegExp(`^The STS endpoint ${escapeRegExp(world().stsEndpoint)}/? answered ${call} with `),
  );
  expect(error).toMatch(field);
  expect(attemptsOf(world(), call)).toHaveLength(1);
  expect(world().sts.pendingFaults()).toBe(0);
  expect(existsSync(pwnedFile(job))).toBe(false);
  expectNoInjectedCommands(step, INJECTED);
  // Never the value: none of what the hostile values carry is shown, on any line.
  expect(step.log).not.toMatch(/evil|credential_process|pwned|INJECTED|save-state/);
  return error;
}

describe('a hostile STS answer to AssumeRole / AssumeRoleWithWebIdentity, one bad field each', () => {
  it.each<{ call: Call }>([{ call: 'AssumeRole' }, { call: 'AssumeRoleWithWebIdentity' }])(
    'control: a well-formed answer of the stand-in is taken as it is ($call)',
    async ({ call }) => {
      const { job, inputs } = sourceFor(call);
      const answer = wellFormed();
      world().sts.injectFaults({ kind: 'body', status: 200, body: assumeAnswer(call, answer), action: call });
      const step = await runAction(world(), job, {
        ...inputs,
        'aws-profile': 'hostile',
        'output-credentials': true,
      });

      expect(step.exitCode).toBe(0);
      expect(step.outputs).toMatchObject({
        'aws-access-key-id': answer.accessKeyId,
        'aws-secret-access-key': answer.secretAccessKey,
        'aws-session-token': answer.sessionToken,
        'authenticated-arn': answer.arn,
      });
      expect(readFileSync(path.join(job.home, '.aws', 'credentials'), 'utf8')).toBe(
        [
          '[hostile]',
          `aws_access_key_id = ${answer.accessKeyId}`,
          `aws_secret_access_key = ${answer.secretAccessKey}`,
          `aws_session_token = ${answer.sessionToken}`,
          '',
        ].join('\n'),
      );
      expect(attemptsOf(world(), call)).toHaveLength(1);
    },
  );

  // The SDK itself can't read these as credentials (its date parser throws; the client's check finds no key),
  // like a captive portal's page (faults.test.ts): retried, or refused. Either way they are never taken.
  it.each<{ name: string; bad: Partial<Answer> }>([
    { name: 'an Expiration that is no time', bad: { expiration: 'tomorrow\n::warning::INJECTED' } },
    { name: 'an empty AccessKeyId', bad: { accessKeyId: '' } },
  ])('$name (AssumeRole): never taken', async ({ bad }) => {
    const { job, inputs } = sourceFor('AssumeRole');
    const body = assumeAnswer('AssumeRole', { ...wellFormed(), ...bad });
    world().sts.injectFaults({ kind: 'body', status: 200, body, action: 'AssumeRole' });
    const step = await runAction(world(), job, { ...inputs, 'aws-profile': 'hostile' });

    expectNoInjectedCommands(step, INJECTED);
    const [hostile, ...later] = attemptsOf(world(), 'AssumeRole');
    if (step.exitCode === 0) {
      // Retried: what was written is the next (real) answer's.
      expect(later).toHaveLength(1);
      const credentials = readFileSync(path.join(job.home, '.aws', 'credentials'), 'utf8');
      expect(credentials).toContain(credentialsIn(later[0]?.response ?? '')[0]?.value ?? '(none)');
      expect(credentials).not.toContain(`aws_access_key_id = \n`);
    } else {
      expectRefusedAnswer(step, job, 'AssumeRole', /AccessKeyId|expir/i);
    }
    expect(hostile?.fault).toBe('body');
  });

  it.each<{ name: string; call: Call; field: RegExp; bad: (good: Answer, job: Job) => Partial<Answer> }>([
    {
      name: 'AccessKeyId with a line break, a section and a credential_process',
      call: 'AssumeRole',
      field: /AccessKeyId/,
      bad: (good, job) => ({ accessKeyId: `${good.accessKeyId}${credentialProcessIn(job)}` }),
    },
    {
      name: 'SecretAccessKey with a line break, a section and a credential_process',
      call: 'AssumeRole',
      field: /SecretAccessKey/,
      bad: (good, job) => ({ secretAccessKey: `${good.secretAccessKey}${credentialProcessIn(job)}` }),
    },
    {
      name: 'SessionToken with a line break, a section and a credential_process',
      call: 'AssumeRole',
      field: /SessionToken/,
      bad: (good, job) => ({ sessionToken: `${good.sessionToken}${credentialProcessIn(job)}` }),
    },
    {
      name: 'AssumedRoleUser.Arn with a ::warning:: command on a line of its own',
      call: 'AssumeRole',
      field: ARN,
      bad: (good) => ({ arn: `${good.arn}\n::warning::INJECTED by the STS stand-in` }),
    },
    {
      name: 'AssumedRoleUser.Arn with a ::save-state command for the post step',
      call: 'AssumeRole',
      field: ARN,
      bad: (good) => ({
        arn: `${good.arn}\n::save-state name=profile-sections::${JSON.stringify([
          { file: '/etc/hosts', header: 'x', profile: 'x', created: true },
        ])}`,
      }),
    },
    {
      name: 'AssumedRoleUser.Arn with a legacy ##[warning] command after white space',
      call: 'AssumeRole',
      field: ARN,
      bad: (good) => ({ arn: `${good.arn}\r\n   ##[warning]INJECTED legacy form` }),
    },
    {
      name: 'an Expiration in the past',
      call: 'AssumeRole',
      field: /expir/i,
      bad: () => ({ expiration: '2020-01-01T00:00:00Z' }),
    },
    {
      name: 'a 200 KB SessionToken',
      call: 'AssumeRole',
      field: /SessionToken/,
      bad: () => ({ sessionToken: 'A'.repeat(200 * 1024) }),
    },
    {
      name: 'an AssumedRoleUser.Arn of the wrong shape (an IAM user, another call`s)',
      call: 'AssumeRole',
      field: ARN,
      bad: () => ({ arn: `arn:aws:iam::${world().account.accountId}:user/ci` }),
    },
    {
      name: 'AccessKeyId with a line break, a section and a credential_process (web identity)',
      call: 'AssumeRoleWithWebIdentity',
      field: /AccessKeyId/,
      bad: (good, job) => ({ accessKeyId: `${good.accessKeyId}${credentialProcessIn(job)}` }),
    },
    {
      name: 'AssumedRoleUser.Arn with a ::warning:: command (web identity)',
      call: 'AssumeRoleWithWebIdentity',
      field: ARN,
      bad: (good) => ({ arn: `${good.arn}\n::warning::INJECTED by the STS stand-in` }),
    },
  ])('$name ($call): refused, nothing exported, saved or written', async ({ call, field, bad }) => {
    const { job, inputs } = sourceFor(call);
    const body = assumeAnswer(call, { ...wellFormed(), ...bad(wellFormed(), job) });
    world().sts.injectFaults({ kind: 'body', status: 200, body, action: call });
    // With aws-profile the keys would go to ~/.aws/credentials; output-credentials would make them outputs.
    const step = await runAction(world(), job, {
      ...inputs,
      'aws-profile': 'hostile',
      'output-credentials': true,
    });

    expectRefusedAnswer(step, job, call, field);
  });

  it('with RUNNER_DEBUG=1 too: the ARN with a command is in no debug line either', async () => {
    const { job, inputs } = sourceFor('AssumeRole', true);
    const good = wellFormed();
    world().sts.injectFaults({
      kind: 'body',
      status: 200,
      body: assumeAnswer('AssumeRole', { ...good, arn: `${good.arn}\n::warning::INJECTED in debug` }),
      action: 'AssumeRole',
    });
    const step = await runAction(world(), job, { ...inputs, 'aws-profile': 'hostile' });

    expectRefusedAnswer(step, job, 'AssumeRole', ARN);
  });
});

describe('a hostile STS answer to GetCallerIdentity', () => {
  const keys = () => ({
    'aws-access-key-id': world().account.accessKeyId,
    'aws-secret-access-key': world().account.secretAccessKey,
  });

  it.each<{
    name: string;
    inputs: () => Record<string, string>;
    account: () => string;
    arn: () => string;
    field: RegExp;
  }>([
    {
      name: 'an Account with a ::save-state command, for a bare role name',
      inputs: () => ({ ...keys(), 'role-to-assume': 'deploy' }),
      account: () =>
        `${world().account.accountId}\n::save-state name=previous-values::{"AWS_REGION":"INJECTED"}`,
      arn: () => `arn:aws:iam::${world().account.accountId}:user/ci`,
      field: /\bAccount\b/,
    },
    {
      name: 'an Account of 11 digits, for a bare role name',
      inputs: () => ({ ...keys(), 'role-to-assume': 'deploy' }),
      account: () => world().account.accountId.slice(1),
      arn: () => `arn:aws:iam::${world().account.accountId}:user/ci`,
      field: /\bAccount\b/,
    },
    {
      name: 'an Arn with a ::warning:: command, for keys alone',
      inputs: () => ({ ...keys(), 'aws-profile': 'hostile' }),
      account: () => world().account.accountId,
      arn: () => `arn:aws:iam::${world().account.accountId}:user/ci\n::warning::INJECTED by the stand-in`,
      field: ARN,
    },
  ])('$name: refused before anything else is asked', async ({ inputs, account, arn, field }) => {
    const job = world().newJob();
    world().sts.injectFaults({
      kind: 'body',
      status: 200,
      body: callerAnswer(account(), arn()),
      action: 'GetCallerIdentity',
    });
    const step = await runAction(world(), job, inputs());

    expectRefusedAnswer(step, job, 'GetCallerIdentity', field);
    expect(attemptsOf(world(), 'AssumeRole')).toEqual([]);
  });
});

describe('workflow commands in the claims of a refused web identity token', () => {
  /** Claims a token file can carry: whoever writes the file (an earlier step, a pull request) chooses them. */
  const HOSTILE_CLAIMS = {
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com\n  ::save-state name=exported-variables::["AWS_PROFILE"]',
    sub: `${GITHUB_SUBJECT}\n::warning::INJECTED through sub`,
    repository: GITHUB_RUN.repository,
    ref: `${GITHUB_RUN.ref}\r\n::set-output name=aws-account-id::INJECTED`,
    environment: 'production\n##[warning]INJECTED through environment',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main\r::error::INJECTED',
    event_name: 'push\n::stop-commands::INJECTED-END',
  };
  const INJECTED_BY_CLAIMS = [
    '::save-state',
    '::warning::INJECTED',
    '::set-output',
    '##[warning]INJECTED',
    '::error::INJECTED',
    '::stop-commands',
  ];

  it.each([
    { debug: false, mode: 'normal log' },
    { debug: true, mode: 'RUNNER_DEBUG=1' },
  ])('the diagnosis shows them without a command line; STS said AccessDenied ($mode)', async ({ debug }) => {
    const job = world().newJob({ debug });
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT(HOSTILE_CLAIMS)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(randomBytes(32));
    writeFileSync(path.join(job.workspace, 'token.jwt'), `${token}\n`);
    world().sts.injectFaults({
      kind: 'error',
      status: 403,
      code: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      action: 'AssumeRoleWithWebIdentity',
    });
    const step = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      'web-identity-token-file': 'token.jwt',
    });

    const error = expectFailedCleanly(step, job);
    expect(error).toContain('AccessDenied');
    expect(step.log).toContain('Why STS refused the token (AccessDenied)');
    expectNoInjectedCommands(step, INJECTED_BY_CLAIMS);
    expect(findLeaks(step.log, [{ name: 'token file JWT', value: token }])).toEqual([]);
    expect(step.summary).not.toContain(token);
  });
});

describe("an ID-token endpoint whose error page echoes the request's Authorization header", () => {
  const bearer = () => [{ name: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', value: world().oidc.requestToken }];

  it.each([
    { debug: false, mode: 'normal log' },
    { debug: true, mode: 'RUNNER_DEBUG=1' },
  ])(
    'every token request answered 500 with the bearer: it is masked first and never shown ($mode)',
    async ({ debug }) => {
      world().oidc.failNext(20, 'echo-authorization');
      const job = world().newJob({ idToken: true, debug });
      const step = await runAction(world(), job, {
        'role-to-assume': world().account.deployRole,
        'retry-max-attempts': 2,
      });

      expectFailedCleanly(step, job);
      expect(world().oidc.requests.length).toBeGreaterThanOrEqual(1);
      expect(world().sts.requests).toEqual([]);
      // The runner can only hide what comes after the ::add-mask:: line: it is the first line that could matter.
      expect(findUnmasked(step.log, bearer())).toEqual([]);
      const lines = step.log.split('\n');
      const maskedAt = lines.indexOf(`::add-mask::${world().oidc.requestToken}`);
      const firstTokenLine = lines.findIndex((line) =>
        /^(GitHub ID-token request attempt|::error::)/.test(line),
      );
      expect(firstTokenLine === -1 || maskedAt < firstTokenLine).toBe(true);
      expect(findLeaks(step.log, bearer())).toEqual([]);
      expect(step.summary).not.toContain(world().oidc.requestToken);
      expect(step.display).not.toContain(world().oidc.requestToken);
    },
  );

  it("refresh-credentials: the later CLI step's credential_process shows no bearer either", async () => {
    const job = world().newJob({ idToken: true });
    const main = await runAction(world(), job, {
      'role-to-assume': world().account.deployRole,
      'refresh-credentials': true,
      'retry-max-attempts': 2,
    });
    expect(main.exitCode).toBe(0);

    world().oidc.failNext(20, 'echo-authorization');
    const later = await job.run(world().aws(['sts', 'get-caller-identity']));
    expect(later.exitCode).not.toBe(0);
    expect(world().oidc.requests.filter(({ status }) => status === 500).length).toBeGreaterThanOrEqual(1);
    const shown = `${later.stdout}\n${later.stderr}`;
    expect(shown).not.toContain(world().oidc.requestToken);
    expect(findLeaks(shown, worldSecrets(world()))).toEqual([]);
  });
});
