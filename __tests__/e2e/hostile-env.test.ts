// What the job's environment and file system can hold when the action starts, put there by earlier steps or by
// the runner's owner: endpoint and proxy variables the AWS SDKs honour (logged, so a redirected token is seen),
// certificate and Node settings, links in the way of the profile files, other steps of the action writing the
// same files at the same time, and an AWS_PROFILE that names no profile.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runAction, runPost, useWorld } from './fixture.js';
import { escapeRegExp, headersOf, plainLines, treeOf, warningsOf } from './hostile-checks.js';
import {
  attemptsOf,
  errorMessages,
  expectCredentials,
  expectFailedCleanly,
  resetFaults,
} from './step-checks.js';
import { startForwardProxy, type ForwardProxy } from './world/forward-proxy.js';
import type { ActionStep, Job } from './world/runner.js';

jest.setTimeout(30_000);
const world = useWorld();
beforeEach(() => resetFaults(world()));

const keys = () => ({
  'aws-access-key-id': world().account.accessKeyId,
  'aws-secret-access-key': world().account.secretAccessKey,
});
const deploy = () => ({ 'role-to-assume': world().account.deployRole });
/** No sts-endpoint input: the endpoint comes from the variables, as the AWS SDKs take it. */
const NO_INPUT = { 'sts-endpoint': '' };

/** The `STS endpoint: <url> (<source>)` lines of the step. */
const endpointLines = (step: ActionStep) =>
  step.log.split('\n').filter((line) => line.startsWith('STS endpoint: '));
const endpointLine = (url: string, source: string) =>
  new RegExp(`^STS endpoint: ${escapeRegExp(url)}/? \\(${escapeRegExp(source)}\\)$`);
/** Warnings that say the web identity token goes to this host. */
const tokenHostWarnings = (step: ActionStep, host: string) =>
  warningsOf(step).filter((warning) => /token/i.test(warning) && warning.includes(host));

describe('the STS endpoint: logged with where it came from; a token sent elsewhere than AWS is warned of', () => {
  /** Nothing listens there: had the action used it, the step would fail. */
  const DEAD_END = 'http://127.0.0.1:9';

  type Credentials = 'GitHub OIDC' | 'a token file' | 'access keys';
  it.each<{
    source: string;
    by: Credentials;
    inputs: object;
    env: () => Record<string, string>;
    also: string;
  }>([
    { source: 'sts-endpoint input', by: 'GitHub OIDC', inputs: {}, env: () => ({}), also: '' },
    {
      source: 'AWS_ENDPOINT_URL_STS',
      by: 'GitHub OIDC',
      inputs: NO_INPUT,
      env: () => ({ AWS_ENDPOINT_URL_STS: world().stsEndpoint }),
      also: '',
    },
    {
      source: 'AWS_ENDPOINT_URL',
      by: 'GitHub OIDC',
      inputs: NO_INPUT,
      env: () => ({ AWS_ENDPOINT_URL: world().stsEndpoint }),
      also: '',
    },
    {
      source: 'AWS_ENDPOINT_URL',
      by: 'a token file',
      inputs: NO_INPUT,
      env: () => ({ AWS_ENDPOINT_URL: world().stsEndpoint }),
      also: '',
    },
    {
      source: 'AWS_ENDPOINT_URL_STS',
      by: 'access keys',
      inputs: NO_INPUT,
      env: () => ({ AWS_ENDPOINT_URL_STS: world().stsEndpoint }),
      also: '',
    },
    // The more specific source wins; the dead ends would fail the step had they been used.
    {
      source: 'AWS_ENDPOINT_URL_STS',
      by: 'GitHub OIDC',
      inputs: NO_INPUT,
      env: () => ({ AWS_ENDPOINT_URL_STS: world().stsEndpoint, AWS_ENDPOINT_URL: DEAD_END }),
      also: ' (AWS_ENDPOINT_URL set too)',
    },
    {
      source: 'sts-endpoint input',
      by: 'GitHub OIDC',
      inputs: {},
      env: () => ({ AWS_ENDPOINT_URL_STS: DEAD_END, AWS_ENDPOINT_URL: DEAD_END }),
      also: ' (both variables set too)',
    },
  ])('$source$also, with $by', async ({ source, by, inputs, env }) => {
    const job = world().newJob({ idToken: by === 'GitHub OIDC', env: env() });
    const given: Record<string, string> = {};
    if (by === 'access keys') Object.assign(given, keys());
    if (by === 'a token file') {
      writeFileSync(path.join(job.workspace, 'token.jwt'), await world().oidc.issue('sts.amazonaws.com'));
      given['web-identity-token-file'] = 'token.jwt';
    }
    const step = await runAction(world(), job, { ...given, ...deploy(), ...inputs });

    expectCredentials(step);
    expect(
      attemptsOf(world(), by === 'access keys' ? 'AssumeRole' : 'AssumeRoleWithWebIdentity'),
    ).toHaveLength(1);
    const lines = endpointLines(step);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(endpointLine(world().stsEndpoint, source));
    expect(step.summary).toContain(world().stsEndpoint);
    // 127.0.0.1 is no AWS STS host: a token goes there only because a variable says so, which is worth a warning
    // (with access keys no token goes anywhere).
    const warned = by !== 'access keys' && source !== 'sts-endpoint input';
    expect(tokenHostWarnings(step, '127.0.0.1')).toHaveLength(warned ? 1 : 0);
  });

  it.each([
    ['AWS_ENDPOINT_URL_STS', 'not a url'],
    ['AWS_ENDPOINT_URL', 'not a url'],
    ['AWS_ENDPOINT_URL_STS', 'file:///etc/passwd'],
    ['AWS_ENDPOINT_URL', 'ftp://127.0.0.1/'],
  ])('%s=%j: an error naming the variable, before any request', async (variable, value) => {
    const job = world().newJob({ idToken: true, env: { [variable]: value } });
    // Without retries: should the variable reach the SDK after all, its failure comes at once.
    const step = await runAction(world(), job, { ...deploy(), ...NO_INPUT, 'disable-retry': true });

    expect(expectFailedCleanly(step, job)).toContain(variable);
    expect(world().oidc.requests).toEqual([]);
    expect(world().sts.requests).toEqual([]);
  });
});

describe('certificate and Node settings the action does not use, or that Node used before it started', () => {
  const CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

  it.each<{ name: string; env: Record<string, string>; expect: (step: ActionStep) => void }>([
    {
      name: 'AWS_CA_BUNDLE: an info line that the action`s own requests do not use it',
      env: { AWS_CA_BUNDLE: CA_FILE },
      expect: (step) =>
        expect(plainLines(step).filter((line) => line.includes('AWS_CA_BUNDLE'))).toHaveLength(1),
    },
    {
      name: 'NODE_EXTRA_CA_CERTS: an info line naming it',
      env: { NODE_EXTRA_CA_CERTS: CA_FILE },
      expect: (step) =>
        expect(plainLines(step).filter((line) => line.includes('NODE_EXTRA_CA_CERTS'))).toHaveLength(1),
    },
    {
      name: 'NODE_OPTIONS: a warning that Node applied it before the action started',
      env: { NODE_OPTIONS: '--max-old-space-size=512' },
      expect: (step) =>
        expect(warningsOf(step).filter((warning) => warning.includes('NODE_OPTIONS'))).toHaveLength(1),
    },
    {
      name: 'control: none of them set, none of those lines',
      env: {},
      expect: (step) =>
        expect(
          step.log.split('\n').filter((line) => /AWS_CA_BUNDLE|NODE_EXTRA_CA_CERTS|NODE_OPTIONS/.test(line)),
        ).toEqual([]),
    },
  ])('$name', async ({ env, expect: check }) => {
    const job = world().newJob({ idToken: true, env });
    const step = await runAction(world(), job, deploy());

    expectCredentials(step);
    check(step);
  });
});

describe('a proxy with a user name and password', () => {
  let proxy: ForwardProxy;
  beforeAll(async () => {
    proxy = await startForwardProxy();
  });
  afterAll(async () => {
    await proxy.stop();
  });
  const PASSWORD = 'pr0xy-Pa55word';
  const withUser = () => proxy.url.replace('http://', `http://ci-robot:${PASSWORD}@`);

  it.each<{ name: string; inputs: () => object; env: () => Record<string, string>; from: RegExp }>([
    {
      name: 'HTTPS_PROXY',
      inputs: () => ({}),
      env: () => ({ HTTPS_PROXY: withUser() }),
      from: /^HTTPS_PROXY$/,
    },
    { name: 'http_proxy', inputs: () => ({}), env: () => ({ http_proxy: withUser() }), from: /^http_proxy$/ },
    {
      name: 'the http-proxy input',
      inputs: () => ({ 'http-proxy': withUser() }),
      env: () => ({}),
      from: /^(the )?http-proxy( input)?$/,
    },
  ])('$name: logged without user name and password, used', async ({ inputs, env, from }) => {
    const forwardedBefore = proxy.forwarded.length;
    const job = world().newJob({ env: env() });
    const step = await runAction(world(), job, { ...keys(), ...inputs() });

    expect(step.exitCode).toBe(0);
    expect(proxy.forwarded.slice(forwardedBefore)).toEqual(['GetCallerIdentity']);
    const lines = step.log.split('\n').filter((line) => line.startsWith('Proxy: '));
    expect(lines).toHaveLength(1);
    const [, url, source] = /^Proxy: (\S+) \(from (.+)\)$/.exec(lines[0] ?? '') ?? [];
    // Without them, or with *** in their place.
    expect(url).toMatch(new RegExp(`^${escapeRegExp(proxy.url).replace('//', '//(\\*\\*\\*@)?')}/?$`));
    expect(source).toMatch(from);
    for (const shown of [step.log, step.summary]) {
      expect(shown).not.toContain(PASSWORD);
      expect(shown).not.toContain('ci-robot');
    }
  });
});

describe('links in the way of the profile files: refused, nothing written where they lead', () => {
  it.each<{ name: string; prepare: (home: string, workspace: string) => Record<string, string> }>([
    {
      name: '~/.aws is a link into the workspace',
      prepare: (home, workspace) => {
        mkdirSync(path.join(workspace, 'dot-aws'));
        symlinkSync(path.join(workspace, 'dot-aws'), path.join(home, '.aws'));
        return {};
      },
    },
    {
      name: '~/.aws/credentials is a link to a workspace file',
      prepare: (home, workspace) => {
        writeFileSync(path.join(workspace, 'credentials'), '# the repository`s own file\n');
        mkdirSync(path.join(home, '.aws'), { mode: 0o700 });
        symlinkSync(path.join(workspace, 'credentials'), path.join(home, '.aws', 'credentials'));
        return {};
      },
    },
    {
      name: 'a folder between HOME and AWS_SHARED_CREDENTIALS_FILE is a link into the workspace',
      prepare: (home, workspace) => {
        mkdirSync(path.join(workspace, 'shared', 'aws'), { recursive: true });
        symlinkSync(path.join(workspace, 'shared'), path.join(home, 'shared'));
        return {
          AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'shared', 'aws', 'credentials'),
          AWS_CONFIG_FILE: path.join(home, 'shared', 'aws', 'config'),
        };
      },
    },
  ])('$name', async ({ prepare }) => {
    const job = world().newJob();
    const env = prepare(job.home, job.workspace);
    const workspaceBefore = treeOf(job.workspace);
    const step = await runAction(world(), job, { ...keys(), ...deploy(), 'aws-profile': 'deploy' }, { env });

    expect(step.exitCode).toBe(1);
    const errors = errorMessages(step);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('symbolic link');
    expect({ exported: step.exported, outputs: step.outputs, state: step.state }).toEqual({
      exported: {},
      outputs: {},
      state: {},
    });
    expect(treeOf(job.workspace)).toEqual(workspaceBefore);
    // Checked before any network call.
    expect(world().sts.requests).toEqual([]);
  });
});

describe('several steps of the action writing profiles to the same files at once', () => {
  const WRITERS = 6;
  const modeOf = (file: string) => statSync(file).mode & 0o777;

  it(`${WRITERS} main steps started together, twice: every section kept, 0600/0700, no lock or temporary file left`, async () => {
    const job = world().newJob();
    const awsDir = path.join(job.home, '.aws');
    // Their GetCallerIdentity answers go out together, so that all of them write the files at the same moment.
    const round = (prefix: string) => {
      world().sts.gatherAnswers(WRITERS);
      return Promise.all(
        Array.from({ length: WRITERS }, (_, n) =>
          runAction(
            world(),
            job,
            { ...keys(), 'aws-profile': `${prefix}${n + 1}`, 'overwrite-aws-profile': false },
            { id: `${prefix}${n + 1}` },
          ),
        ),
      );
    };
    // The first round creates the files and the folder, the second adds to files that exist.
    const steps = [...(await round('first-')), ...(await round('second-'))];

    expect(steps.map((step) => [step.id, step.exitCode])).toEqual(steps.map((step) => [step.id, 0]));
    const profiles = steps.map((step) => step.id).sort();
    const credentials = readFileSync(path.join(awsDir, 'credentials'), 'utf8');
    expect(headersOf(credentials).sort()).toEqual(profiles);
    expect(credentials.split(`aws_access_key_id = ${world().account.accessKeyId}`)).toHaveLength(
      profiles.length + 1,
    );
    expect(headersOf(readFileSync(path.join(awsDir, 'config'), 'utf8')).sort()).toEqual(
      profiles.map((profile) => `profile ${profile}`),
    );
    expect(readdirSync(awsDir).sort()).toEqual(['config', 'credentials']);
    expect([
      modeOf(awsDir),
      modeOf(path.join(awsDir, 'credentials')),
      modeOf(path.join(awsDir, 'config')),
    ]).toEqual([0o700, 0o600, 0o600]);

    // Their post steps (last first, one after the other) take every section out again.
    const posts = await runPost(world(), job);
    expect(posts.map((post) => post.exitCode)).toEqual(posts.map(() => 0));
    for (const file of ['credentials', 'config']) {
      const left = readdirSync(job.home).includes('.aws') && readdirSync(awsDir).includes(file);
      const text = left ? readFileSync(path.join(awsDir, file), 'utf8') : '';
      expect(headersOf(text).filter((header) => /(first|second)-\d/.test(header))).toEqual([]);
    }
  });
});

describe('an AWS_PROFILE left by an earlier step that names no profile', () => {
  /** What a `run:` step does to leave a variable for the later steps. */
  const leaveProfile = (job: Job, profile: string) =>
    job.run(['sh', '-c', `echo "AWS_PROFILE=${profile}" >> "$GITHUB_ENV"`]);

  it.each<{ name: string; inputs: object; exportsKeys: boolean }>([
    {
      name: 'the step exports keys: warned, and AWS_PROFILE replaced as before',
      inputs: {},
      exportsKeys: true,
    },
    {
      name: 'output-env-credentials: false: warned, AWS_PROFILE left',
      inputs: { 'output-env-credentials': false },
      exportsKeys: false,
    },
  ])('$name', async ({ inputs, exportsKeys }) => {
    const job = world().newJob({ idToken: true });
    await leaveProfile(job, 'ghost-profile');
    expect(job.env.AWS_PROFILE).toBe('ghost-profile');
    const step = await runAction(world(), job, { ...deploy(), ...inputs });

    expect(step.exitCode).toBe(0);
    const warnings = warningsOf(step).filter((warning) => warning.includes('ghost-profile'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('AWS_PROFILE');
    expect(step.exported.AWS_PROFILE).toBe(exportsKeys ? 'assume-aws-role-env' : undefined);
  });

  it.each([
    ['config', '[profile team-ci-profile]\nregion = eu-west-1\n'],
    ['credentials', '[team-ci-profile]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n'],
  ])('control: one that names a profile of the %s file is not warned of', async (file, text) => {
    const job = world().newJob({ idToken: true });
    mkdirSync(path.join(job.home, '.aws'), { mode: 0o700 });
    writeFileSync(path.join(job.home, '.aws', file), text, { mode: 0o600 });
    await leaveProfile(job, 'team-ci-profile');
    const step = await runAction(world(), job, deploy());

    expect(step.exitCode).toBe(0);
    expect(warningsOf(step).filter((warning) => warning.includes('team-ci-profile'))).toEqual([]);
    expect(step.exported.AWS_PROFILE).toBe('assume-aws-role-env');
  });
});
