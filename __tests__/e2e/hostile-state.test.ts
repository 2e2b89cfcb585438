// The post step's state comes from the main step's GITHUB_STATE file, which any earlier step of the job (or the
// code of a pull request it runs) can write to as well: the post step acts on it only within what the main step
// writes. Profile sections are removed only from the files the action writes, with no link on the way, and only
// while they still hold exactly what the main step wrote; earlier values are put back only when they pass the
// inputs' checks; state that is not what the main step writes fails the post step before it touches anything.
import { describe, expect, it } from '@jest/globals';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { expectNoLeaks, runAction, runPost, useWorld } from './fixture.js';
import { expectNoInjectedCommands, headersOf, treeOf, warningsOf } from './hostile-checks.js';
import { errorMessages } from './step-checks.js';
import type { ActionStep, Job } from './world/runner.js';

const world = useWorld();

/** One profile section of the profile-sections state, as the main step saves it (other fields kept as they are). */
interface SavedSection {
  file: string;
  header: string;
  profile: string;
  created: boolean;
  [field: string]: unknown;
}

const keys = () => ({
  'aws-access-key-id': world().account.accessKeyId,
  'aws-secret-access-key': world().account.secretAccessKey,
});

/** A main step that writes profile `profile` to the default files: its state is the base the cases alter. */
async function mainWithProfile(job: Job, profile: string, inputs: Record<string, string | boolean> = {}) {
  const main = await runAction(world(), job, { ...keys(), 'aws-profile': profile, ...inputs });
  expect(main.exitCode).toBe(0);
  const sections = JSON.parse(main.state['profile-sections'] ?? '[]') as SavedSection[];
  expect(sections.map(({ header }) => header)).toEqual([profile, `profile ${profile}`]);
  return { main, sections };
}

/** The post step with this state, checked by the secrets rule. */
async function postWith(job: Job, state: Record<string, string>): Promise<ActionStep> {
  const post = await job.postWithState(state);
  expectNoLeaks(world(), post);
  return post;
}

/** Everything the job has: HOME, the workspace, RUNNER_TEMP (the runner's command files left out). */
function jobTree(job: Job): Record<string, string> {
  return Object.fromEntries(
    Object.entries(treeOf(job.root)).filter(
      ([name]) => !name.startsWith('runner-temp/_runner_file_commands') && !/^step-\d+\.log$/.test(name),
    ),
  );
}

/** Left as it was, and said so: a warning that names the file (as the state does, or resolved) and the section. */
function expectLeftWithWarning(post: ActionStep, file: string, header: string): void {
  expect(post.exitCode).toBe(0);
  expect(errorMessages(post)).toEqual([]);
  const names = [file, path.resolve(file)];
  expect(
    warningsOf(post).filter(
      (warning) => names.some((name) => warning.includes(name)) && warning.includes(header),
    ),
  ).toHaveLength(1);
}

describe('profile sections the state names', () => {
  it('control: the files named by AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE before the main step are cleaned', async () => {
    const job = world().newJob();
    const files = {
      AWS_SHARED_CREDENTIALS_FILE: path.join(job.workspace, '.ci', 'credentials'),
      AWS_CONFIG_FILE: path.join(job.workspace, '.ci', 'config'),
    };
    const main = await runAction(world(), job, { ...keys(), 'aws-profile': 'ci' }, { env: files });
    expect(main.exitCode).toBe(0);
    expect(headersOf(readFileSync(files.AWS_SHARED_CREDENTIALS_FILE, 'utf8'))).toEqual(['ci']);

    const [post] = await runPost(world(), job);
    expect(post?.exitCode).toBe(0);
    expect(warningsOf(post as ActionStep)).toEqual([]);
    expect(existsSync(files.AWS_SHARED_CREDENTIALS_FILE)).toBe(false);
  });

  it.each<{ name: string; prepare: (job: Job, credentials: SavedSection) => string }>([
    {
      // The brief's case: a file of the workspace that only looks like a profile file, "created" by the action.
      name: 'a workspace file holding only [foo], created: true',
      prepare: (job) => {
        const file = path.join(job.workspace, 'credentials');
        writeFileSync(file, '[foo]\n');
        return file;
      },
    },
    {
      // Byte for byte what the main step wrote, so its digest matches: only the file's place refuses it.
      name: 'a workspace copy of the section the main step wrote (the digest matches)',
      prepare: (job, credentials) => {
        const file = path.join(job.workspace, 'credentials');
        copyFileSync(credentials.file, file);
        return file;
      },
    },
    {
      name: 'a file outside HOME and the workspace, through ../ from ~/.aws',
      prepare: (job, credentials) => {
        const file = path.join(job.root, 'elsewhere', 'credentials');
        mkdirSync(path.dirname(file));
        copyFileSync(credentials.file, file);
        // Not normalised: the state carries the path as written.
        return `${path.dirname(credentials.file)}/../../elsewhere/credentials`;
      },
    },
  ])('$name: not deleted, not changed, a warning names it', async ({ prepare }) => {
    const job = world().newJob();
    const { main, sections } = await mainWithProfile(job, 'foo');
    const credentials = sections[0] as SavedSection;
    const file = prepare(job, credentials);
    const before = jobTree(job);

    const post = await postWith(job, {
      ...main.state,
      'profile-sections': JSON.stringify([{ ...credentials, file, created: true }]),
    });

    expect(jobTree(job)).toEqual(before);
    expectLeftWithWarning(post, file, 'foo');
  });

  it('a section changed since the main step wrote it: left as it is, the unchanged one removed', async () => {
    const job = world().newJob();
    const { sections } = await mainWithProfile(job, 'deploy', { 'output-env-credentials': false });
    const credentialsFile = (sections[0] as SavedSection).file;
    // A later step (or the user's own tooling) adds a key to the section.
    const edited = readFileSync(credentialsFile, 'utf8').replace(
      /^\[deploy\]\n/m,
      '[deploy]\nmfa_serial = arn:aws:iam::123456789012:mfa/ci\n',
    );
    writeFileSync(credentialsFile, edited);

    const [post] = await runPost(world(), job);
    expect(readFileSync(credentialsFile, 'utf8')).toBe(edited);
    expectLeftWithWarning(post as ActionStep, credentialsFile, 'deploy');
    const config = path.join(job.home, '.aws', 'config');
    expect(existsSync(config) ? headersOf(readFileSync(config, 'utf8')) : []).toEqual([]);
  });

  it('a link on the way: ~/.aws replaced by a link into the workspace after the main step', async () => {
    const job = world().newJob();
    const { main } = await mainWithProfile(job, 'deploy', { 'output-env-credentials': false });
    const awsDir = path.join(job.home, '.aws');
    const moved = path.join(job.workspace, 'dot-aws');
    renameSync(awsDir, moved);
    symlinkSync(moved, awsDir);
    const before = treeOf(job.workspace);

    const post = await postWith(job, main.state);
    expect(treeOf(job.workspace)).toEqual(before);
    expectLeftWithWarning(post, path.join(awsDir, 'credentials'), 'deploy');
  });
});

describe('earlier values the state says to put back', () => {
  /** State that says the main step exported `name` over the earlier `value`. */
  const previousValue = (name: string, value: string) => ({
    'exported-variables': JSON.stringify([name]),
    'previous-values': JSON.stringify({ [name]: value }),
    'profile-sections': '[]',
    'created-files': '[]',
  });

  it.each([
    ['AWS_REGION', 'eu-west-1'],
    ['AWS_DEFAULT_REGION', 'us-gov-west-1'],
    ['AWS_PROFILE', 'team.ci@prod'],
    ['AWS_CONFIG_FILE', '/home/runner/.aws/team-config'],
    ['MSYS2_ENV_CONV_EXCL', 'AWS_ACCESS_KEY_ID;AWS_SESSION_TOKEN'],
  ])('control: %s=%j is put back', async (name, value) => {
    const job = world().newJob();
    const post = await postWith(job, previousValue(name, value));
    expect(post.exitCode).toBe(0);
    expect(post.exported[name]).toBe(value);
  });

  it.each([
    ['AWS_CONFIG_FILE', 'relative/config'],
    ['AWS_CONFIG_FILE', '/tmp/config\n::warning::INJECTED through AWS_CONFIG_FILE'],
    ['AWS_CONFIG_FILE', '/tmp/con\u0007fig'],
    ['AWS_REGION', 'evil region'],
    ['AWS_DEFAULT_REGION', 'us-east-1\nNODE_OPTIONS=--require=/tmp/evil.js'],
    ['AWS_PROFILE', 'prod;touch /tmp/evil'],
    ['AWS_PROFILE', 'p'.repeat(65)],
    ['MSYS2_ENV_CONV_EXCL', 'AWS_*;$(touch /tmp/evil)'],
  ])('%s=%j is not put back', async (name, value) => {
    const job = world().newJob();
    const post = await postWith(job, previousValue(name, value));
    expect(post.exported[name]).not.toBe(value);
    expect(job.env[name]).not.toBe(value);
    expect(Object.values(post.exported).filter((exported) => exported.includes('evil'))).toEqual([]);
    expect(job.env.NODE_OPTIONS).toBeUndefined();
    expectNoInjectedCommands(post, ['::warning::INJECTED']);
  });
});

describe('state that is not what the main step writes: the post step fails and touches nothing', () => {
  it.each<[string, string, (job: Job) => string]>([
    ['profile-sections', 'not JSON', () => '[{"file":'],
    ['profile-sections', 'an object, not a list', () => '{"file":"/etc/hosts"}'],
    ['profile-sections', 'a section without its fields', (job) => JSON.stringify([{ file: job.home }])],
    ['exported-variables', 'not JSON', () => '["AWS_REGION"'],
    ['exported-variables', 'a variable the action never exports', () => '["PATH"]'],
    ['previous-values', 'not JSON', () => '{'],
    ['previous-values', 'null', () => 'null'],
    [
      'previous-values',
      'a variable that is never put back',
      () => '{"NODE_OPTIONS":"--require=/tmp/evil.js"}',
    ],
    [
      'created-files',
      'a folder of the workspace',
      (job) => JSON.stringify([path.join(job.workspace, 'important', 'config')]),
    ],
  ])('%s is %s', async (name, _what, value) => {
    const job = world().newJob();
    const { main } = await mainWithProfile(job, 'keep');
    mkdirSync(path.join(job.workspace, 'important'));
    writeFileSync(path.join(job.workspace, 'important', 'config'), '[default]\nregion = eu-west-1\n');
    const before = jobTree(job);
    const envBefore = job.env;

    const post = await postWith(job, { ...main.state, [name]: value(job) });

    expect(post.exitCode).toBe(1);
    expect(errorMessages(post)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Cleanup could not undo everything the main step did: the saved state ${name} is not what the main step writes( \\(not JSON\\))?$`,
        ),
      ),
    ]);
    expect(post.exported).toEqual({});
    expect(job.env).toEqual(envBefore);
    expect(jobTree(job)).toEqual(before);
  });
});
