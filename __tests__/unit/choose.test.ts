import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ActionError, InputError } from '../../src/errors.js';
import { readConfig, type Config } from '../../src/inputs/config.js';
import { chooseSource, type SourceKind } from '../../src/sources/choose.js';
import { inputsFrom } from './fixtures/inputs.js';

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'wJalrXUtnFEMI/EXAMPLEKEY',
};
const OIDC = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
};

// A HOME of our own, so ~/.aws files of the machine running the tests can't count as existing credentials.
let home: string;

beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'choose-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const config = (inputs: Record<string, string>): Config =>
  readConfig(inputsFrom({ 'aws-region': 'us-east-1', ...inputs }), { GITHUB_WORKSPACE: '/workspace' });

/** Chooses with only the given variables (and HOME) in the environment. */
const choose = (inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
  chooseSource(config(inputs), { HOME: home, ...env });

function thrown(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

describe('chooseSource', () => {
  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, SourceKind, string]>([
    [
      'a token file',
      { 'role-to-assume': ROLE, 'web-identity-token-file': 'eks/token' },
      OIDC,
      'token-file',
      'web-identity-token-file is set (/workspace/eks/token)',
    ],
    [
      'a token file, with role-chaining',
      { 'role-to-assume': ROLE, 'web-identity-token-file': '/t', 'role-chaining': 'true' },
      {},
      'token-file',
      'web-identity-token-file is set (/t); role-chaining is ignored because a token file was given',
    ],
    [
      'keys without a role',
      KEYS,
      OIDC,
      'static-keys',
      'aws-access-key-id is set and no role-to-assume: using the keys themselves',
    ],
    [
      'keys with a role',
      { ...KEYS, 'role-to-assume': ROLE },
      OIDC,
      'static-keys',
      'aws-access-key-id is set',
    ],
    [
      'keys with a bare role name',
      { ...KEYS, 'role-to-assume': 'deploy' },
      {},
      'static-keys',
      'aws-access-key-id is set',
    ],
    [
      'keys with role-chaining (keys win, with a note)',
      { ...KEYS, 'role-to-assume': ROLE, 'role-chaining': 'true' },
      {},
      'static-keys',
      'aws-access-key-id is set; role-chaining is ignored because keys were given',
    ],
    [
      'role-chaining',
      { 'role-to-assume': ROLE, 'role-chaining': 'true' },
      { ...OIDC, RUNNER_ENVIRONMENT: 'github-hosted' },
      'existing',
      'role-chaining is true: assuming the role with the credentials the job already has',
    ],
    [
      'role-chaining to a bare role name',
      { 'role-to-assume': 'deploy', 'role-chaining': 'true' },
      {},
      'existing',
      'role-chaining is true: assuming the role with the credentials the job already has',
    ],
    [
      'GitHub OIDC',
      { 'role-to-assume': ROLE },
      { ...OIDC, RUNNER_ENVIRONMENT: 'github-hosted' },
      'github-oidc',
      'role-to-assume is set, no keys or token file were given, and the job may request a GitHub OIDC token',
    ],
    [
      'no role and no keys',
      {},
      { ...OIDC, RUNNER_ENVIRONMENT: 'github-hosted' },
      'existing',
      'no role-to-assume and no keys: checking the credentials the job already has',
    ],
    [
      'force-skip-oidc on a self-hosted runner',
      { 'role-to-assume': ROLE, 'force-skip-oidc': 'true' },
      { ...OIDC, RUNNER_ENVIRONMENT: 'self-hosted' },
      'existing',
      'force-skip-oidc is true: assuming the role with the credentials the job already has',
    ],
    [
      'a role without OIDC on a self-hosted runner',
      { 'role-to-assume': ROLE },
      { RUNNER_ENVIRONMENT: 'self-hosted' },
      'existing',
      'no GitHub OIDC token is available (ACTIONS_ID_TOKEN_REQUEST_URL is not set): assuming the role with the credentials the job already has (instance or container credentials)',
    ],
    [
      'a role without OIDC where the runner kind is unknown',
      { 'role-to-assume': ROLE },
      {},
      'existing',
      '(instance or container credentials)',
    ],
    [
      'a role with only half of the OIDC variables',
      { 'role-to-assume': ROLE },
      { ACTIONS_ID_TOKEN_REQUEST_URL: OIDC.ACTIONS_ID_TOKEN_REQUEST_URL },
      'existing',
      'no GitHub OIDC token is available',
    ],
    [
      'a role without OIDC on a GitHub-hosted runner with keys in the environment',
      { 'role-to-assume': ROLE },
      { RUNNER_ENVIRONMENT: 'github-hosted', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_PROFILE: 'ci' },
      'existing',
      'assuming the role with the credentials the job already has (AWS_ACCESS_KEY_ID, AWS_PROFILE)',
    ],
  ])('chooses %s', (_what, inputs, env, kind, reason) => {
    const choice = choose(inputs, env);
    expect(choice.kind).toBe(kind);
    expect(choice.reason).toContain(reason);
  });

  it('counts a shared credentials file in HOME as existing credentials on a GitHub-hosted runner', () => {
    mkdirSync(path.join(home, '.aws'));
    writeFileSync(path.join(home, '.aws', 'credentials'), '[default]\n');
    const choice = choose({ 'role-to-assume': ROLE }, { RUNNER_ENVIRONMENT: 'github-hosted' });
    const file = path.join(home, '.aws', 'credentials');
    expect(choice).toEqual({
      kind: 'existing',
      reason: `no GitHub OIDC token is available (ACTIONS_ID_TOKEN_REQUEST_URL is not set): assuming the role with the credentials the job already has (${file})`,
      // Not silent: the runner has no credentials of its own, so an earlier step left these.
      warning: expect.stringMatching(
        new RegExp(
          `^No GitHub OIDC token, because the job lacks \`permissions: id-token: write\`\\. .* Assuming ${ROLE} with the credentials an earlier step left \\(${file}\\) instead; set role-chaining: true if that is what you mean\\.$`,
        ),
      ),
    });
  });

  it('does not warn about other credentials on a self-hosted runner, which may have its own', () => {
    const choice = choose(
      { 'role-to-assume': ROLE },
      { RUNNER_ENVIRONMENT: 'self-hosted', AWS_PROFILE: 'ci' },
    );
    expect(choice.kind).toBe('existing');
    expect(choice.warning).toBeUndefined();
  });

  it('fails on a GitHub-hosted runner when a role has no source, asking for id-token: write', () => {
    const error = thrown(() => choose({ 'role-to-assume': ROLE }, { RUNNER_ENVIRONMENT: 'github-hosted' }));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain(`No credentials to assume ${ROLE} with`);
    expect(error.message).toContain(
      'there is no GitHub OIDC token (ACTIONS_ID_TOKEN_REQUEST_URL is not set) because the job lacks `permissions: id-token: write`',
    );
    expect(error.message).toContain(
      'add `id-token: write` (with `contents: read` to check out code) to the job',
    );
  });

  it('fails on a GitHub-hosted runner when force-skip-oidc leaves a role without a source', () => {
    const inputs = { 'role-to-assume': ROLE, 'force-skip-oidc': 'true' };
    const error = thrown(() => choose(inputs, { ...OIDC, RUNNER_ENVIRONMENT: 'github-hosted' }));
    expect(error).toBeInstanceOf(ActionError);
    expect(error.message).toContain("force-skip-oidc is true, so the job's GitHub OIDC token is not used");
    expect(error.message).toContain('or pass aws-access-key-id and aws-secret-access-key');
  });

  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, string, string]>([
    [
      'GitHub OIDC',
      { 'role-to-assume': 'deploy' },
      OIDC,
      'GitHub OIDC',
      'arn:aws:iam::123456789012:role/deploy',
    ],
    [
      'a token file',
      { 'role-to-assume': 'deploy', 'web-identity-token-file': '/t' },
      {},
      'a web identity token',
      'arn:aws:iam::123456789012:role/deploy',
    ],
    [
      'GitHub OIDC in China',
      { 'aws-region': 'cn-north-1', 'role-to-assume': 'deploy' },
      OIDC,
      'GitHub OIDC',
      'arn:aws-cn:iam::123456789012:role/deploy',
    ],
  ])('refuses a bare role name with %s, suggesting the full ARN', (_what, inputs, env, source, example) => {
    const error = thrown(() => choose(inputs, env));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ input: 'role-to-assume' });
    expect(error.message).toBe(
      `role-to-assume "deploy" is a bare role name, but ${source} has no source account to complete it with: use the full ARN, like ${example}`,
    );
  });
});

describe('chooseSource with refresh-credentials', () => {
  const refresh = { 'role-to-assume': ROLE, 'refresh-credentials': 'true' };

  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, SourceKind]>([
    ['GitHub OIDC', refresh, OIDC, 'github-oidc'],
    ['a token file', { ...refresh, 'web-identity-token-file': '/t' }, {}, 'token-file'],
  ])('keeps %s, which can get a new token in later steps', (_what, inputs, env, kind) => {
    expect(choose(inputs, env).kind).toBe(kind);
  });

  it.each<[string, Record<string, string>, NodeJS.ProcessEnv, string]>([
    [
      'the job`s existing credentials (no OIDC on a self-hosted runner)',
      refresh,
      { RUNNER_ENVIRONMENT: 'self-hosted', AWS_PROFILE: 'ci' },
      'the credential source is existing (no GitHub OIDC token is available',
    ],
    [
      'the job`s existing credentials (force-skip-oidc)',
      { ...refresh, 'force-skip-oidc': 'true' },
      { ...OIDC, RUNNER_ENVIRONMENT: 'self-hosted' },
      'the credential source is existing (force-skip-oidc is true',
    ],
  ])('refuses %s, naming refresh-credentials', (_what, inputs, env, says) => {
    const error = thrown(() => choose(inputs, env));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ input: 'refresh-credentials' });
    expect(error.message).toContain(
      'refresh-credentials works only with GitHub OIDC or web-identity-token-file, which can get new tokens in later steps',
    );
    expect(error.message).toContain(says);
  });

  it('refuses access keys on its own too, should the inputs ever let them through', () => {
    // readConfig refuses keys with refresh-credentials first; the choice does not rely on it.
    const keys = { ...config({ ...KEYS, 'role-to-assume': ROLE }), refreshCredentials: true };
    const error = thrown(() => chooseSource(keys, { HOME: home, ...OIDC }));
    expect(error).toMatchObject({ input: 'refresh-credentials' });
    expect(error.message).toContain('the credential source is static-keys (aws-access-key-id is set)');
  });
});
