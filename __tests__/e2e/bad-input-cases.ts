// The invalid inputs of bad-input.test.ts, one row per rule: which input the error must name, why the value is
// wrong, and the `with:` that breaks it. Newlines, `::set-output`, `::set-env`, `::add-mask::` and env-file text
// go into the string inputs, where a careless action would print them or write them to an env file.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Job } from './world/runner.js';
import { SEED } from './world/seed.js';

/** A step's `with:` values. */
export type Inputs = Record<string, string | number | boolean>;

/** One invalid input and what it breaks. */
export interface BadInput {
  /** The input the error must name. */
  readonly input: string;
  readonly why: string;
  /** Merged over a valid OIDC step (`role-to-assume`: the deploy role); '' leaves an input unset. */
  readonly with: Inputs;
  /** Sets up the job before the step (a profile that already exists). */
  readonly prepare?: (job: Job) => void;
}

/** Inputs the action masks before anything else: their values may appear only on `::add-mask::` lines. */
export const SECRET_INPUTS = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'];
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY',
};
/** Text that would become a command or a variable if it reached stdout or an env file at a line start. */
export const SET_OUTPUT = '::set-output name=aws-account-id::666666666666';
export const SET_ENV = '::set-env name=AWS_PROFILE::attacker';
export const ADD_MASK = '::add-mask::GitHubActions';
const FILE_COMMAND = 'AWS_PROFILE<<EOF\nattacker\nEOF';
const POLICY = (n: number) => `arn:aws:iam::aws:policy/Policy${n}`;

/** Every validation rule, and command text in every kind of string input. */
export const BAD_INPUTS: readonly BadInput[] = [
  { input: 'aws-region', why: 'missing', with: { 'aws-region': '' } },
  { input: 'aws-region', why: 'not a region', with: { 'aws-region': 'moon-base-1a' } },
  { input: 'aws-region', why: 'a newline and ::set-env', with: { 'aws-region': `us-east-1\n${SET_ENV}` } },
  { input: 'aws-region', why: '::add-mask:: text', with: { 'aws-region': `us-east-1${ADD_MASK}` } },
  {
    input: 'role-to-assume',
    why: 'an ARN with a short account',
    with: { 'role-to-assume': 'arn:aws:iam::1234:role/deploy' },
  },
  {
    input: 'role-to-assume',
    why: 'another partition than the region',
    with: { 'role-to-assume': 'arn:aws-cn:iam::123456789012:role/deploy' },
  },
  { input: 'role-to-assume', why: 'a bare name with GitHub OIDC', with: { 'role-to-assume': 'deploy' } },
  {
    input: 'role-to-assume',
    why: 'a newline and ::set-output',
    with: { 'role-to-assume': `${SEED.deployRole}\n${SET_OUTPUT}` },
  },
  { input: 'role-session-name', why: 'one character', with: { 'role-session-name': 'x' } },
  { input: 'role-session-name', why: '65 characters', with: { 'role-session-name': 'a'.repeat(65) } },
  {
    input: 'role-session-name',
    why: 'a newline and ::set-output',
    with: { 'role-session-name': `ci\n${SET_OUTPUT}` },
  },
  { input: 'role-session-name', why: '::add-mask:: text', with: { 'role-session-name': ADD_MASK } },
  { input: 'role-session-name', why: 'an env-file block', with: { 'role-session-name': FILE_COMMAND } },
  {
    input: 'role-session-name-template',
    why: 'an unknown placeholder and ::set-output',
    with: { 'role-session-name-template': `gha-{secret}\n${SET_OUTPUT}` },
  },
  {
    input: 'role-session-name-template',
    why: 'set beside role-session-name',
    with: { 'role-session-name-template': 'gha-{run_id}', 'role-session-name': 'ci' },
  },
  { input: 'role-source-identity', why: 'starting with aws:', with: { 'role-source-identity': 'aws:me' } },
  { input: 'role-source-identity', why: '::add-mask:: text', with: { 'role-source-identity': ADD_MASK } },
  {
    input: 'role-to-assume',
    why: 'a chain line that is a user ARN',
    with: { 'role-to-assume': `${SEED.deployRole}\narn:aws:iam::123456789012:user/ci-deployer` },
  },
  {
    input: 'role-to-assume',
    why: 'a chain line with ::set-env as a setting',
    with: { 'role-to-assume': `${SEED.deployRole}\n${SEED.chainedRole} ${SET_ENV}` },
  },
  { input: 'profiles', why: 'a line without a colon', with: { profiles: `beta ${SEED.deployRole}` } },
  {
    input: 'profiles',
    why: 'a name twice',
    with: { profiles: `beta: ${SEED.deployRole}\nbeta: ${SEED.chainedRole}` },
  },
  { input: 'profiles', why: 'an env-file block', with: { profiles: FILE_COMMAND } },
  {
    input: 'profiles',
    why: 'the reserved name',
    with: { profiles: `assume-aws-role-env: ${SEED.deployRole}` },
  },
  { input: 'profile-location', why: '"tmp"', with: { 'profile-location': 'tmp' } },
  {
    input: 'profile-location',
    why: 'a newline and ::set-env',
    with: { 'profile-location': `job\n${SET_ENV}` },
  },
  { input: 'role-duration-seconds', why: '"1h"', with: { 'role-duration-seconds': '1h' } },
  { input: 'role-duration-seconds', why: 'below 900', with: { 'role-duration-seconds': 899 } },
  { input: 'role-duration-seconds', why: 'above 43200', with: { 'role-duration-seconds': 43201 } },
  {
    input: 'role-duration-seconds',
    why: 'over an hour with role-chaining',
    with: { 'role-duration-seconds': 7200, 'role-chaining': true },
  },
  {
    input: 'aws-secret-access-key',
    why: 'an access key id alone',
    with: { 'aws-access-key-id': KEYS['aws-access-key-id'] },
  },
  {
    input: 'aws-access-key-id',
    why: 'a secret key alone',
    with: { 'aws-secret-access-key': KEYS['aws-secret-access-key'] },
  },
  {
    input: 'aws-session-token',
    why: 'a session token alone',
    with: { 'aws-session-token': 'FwoGZXIvYXdzEXAMPLETOKEN' },
  },
  {
    input: 'aws-secret-access-key',
    why: 'a newline and ::set-env',
    with: { ...KEYS, 'aws-secret-access-key': `${KEYS['aws-secret-access-key']}\n${SET_ENV}` },
  },
  {
    input: 'web-identity-token-file',
    why: 'without role-to-assume',
    with: { 'role-to-assume': '', 'web-identity-token-file': 'token.jwt' },
  },
  {
    input: 'web-identity-token-file',
    why: 'together with access keys',
    with: { ...KEYS, 'web-identity-token-file': 'token.jwt' },
  },
  {
    input: 'role-chaining',
    why: 'without role-to-assume',
    with: { 'role-to-assume': '', 'role-chaining': true },
  },
  { input: 'role-chaining', why: '"yes"', with: { 'role-chaining': 'yes' } },
  {
    input: 'audience',
    why: 'a newline and ::set-output',
    with: { audience: `sts.amazonaws.com\n${SET_OUTPUT}` },
  },
  { input: 'aws-profile', why: 'a space in the name', with: { 'aws-profile': 'dev profile' } },
  { input: 'aws-profile', why: 'nothing to write', with: { 'role-to-assume': '', 'aws-profile': 'dev' } },
  {
    input: 'aws-profile',
    why: 'a profile that exists, without overwrite-aws-profile',
    with: { 'aws-profile': 'dev' },
    prepare: (job) => {
      mkdirSync(path.join(job.home, '.aws'), { recursive: true });
      writeFileSync(
        path.join(job.home, '.aws', 'credentials'),
        '[dev]\naws_access_key_id = AKIAOLDOLDOLDOLDOLD1\n',
      );
    },
  },
  { input: 'custom-tags', why: 'not JSON', with: { 'custom-tags': '{Team: platform' } },
  { input: 'custom-tags', why: 'an array', with: { 'custom-tags': '["platform"]' } },
  {
    input: 'custom-tags',
    why: "one of the action's own keys",
    with: { 'custom-tags': '{"Repository": "spoofed/repo"}' },
  },
  {
    input: 'custom-tags',
    why: 'a key twice, in two cases',
    with: { 'custom-tags': '{"team": "a", "Team": "b"}' },
  },
  { input: 'custom-tags', why: 'a value that is an object', with: { 'custom-tags': '{"Team": {"a": 5}}' } },
  {
    input: 'custom-tags',
    why: 'more tags than STS allows',
    with: {
      'custom-tags': JSON.stringify(
        Object.fromEntries(Array.from({ length: 44 }, (_, n) => [`Tag${n}`, 'x'])),
      ),
    },
  },
  {
    input: 'custom-tags',
    why: 'a value with an escaped newline and ::set-output',
    with: { 'custom-tags': JSON.stringify({ Team: `a\n${SET_OUTPUT}` }) },
  },
  {
    input: 'custom-tags',
    why: 'a raw newline and ::set-env inside the JSON',
    with: { 'custom-tags': `{"Team": "a\n${SET_ENV}"}` },
  },
  {
    input: 'transitive-tag-keys',
    why: 'a key the action does not send',
    with: { 'transitive-tag-keys': 'Team' },
  },
  {
    input: 'inline-session-policy',
    why: 'not JSON',
    with: { 'inline-session-policy': '{"Version": "2012-10-17",' },
  },
  {
    input: 'inline-session-policy',
    why: 'longer than 2048 characters',
    with: {
      'inline-session-policy': JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(2100)}/*` },
        ],
      }),
    },
  },
  {
    input: 'managed-session-policies',
    why: 'not a policy ARN',
    with: { 'managed-session-policies': 'ReadOnlyAccess' },
  },
  {
    input: 'managed-session-policies',
    why: 'eleven policies',
    with: { 'managed-session-policies': Array.from({ length: 11 }, (_, n) => POLICY(n)).join('\n') },
  },
  {
    input: 'managed-session-policies',
    why: 'another partition',
    with: { 'managed-session-policies': 'arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess' },
  },
  { input: 'allowed-account-ids', why: 'not 12 digits', with: { 'allowed-account-ids': '1234' } },
  {
    input: 'allowed-account-ids',
    why: "without the role's account",
    with: { 'allowed-account-ids': '111111111111' },
  },
  { input: 'role-external-id', why: 'one character', with: { ...KEYS, 'role-external-id': 'x' } },
  { input: 'sts-endpoint', why: 'not http(s)', with: { 'sts-endpoint': 'ftp://sts.example.com' } },
  {
    input: 'http-proxy',
    why: 'a socks URL with a password',
    with: { 'http-proxy': 'socks5://ci:hunter2@proxy.example.com:1080' },
  },
  { input: 'retry-max-attempts', why: '0', with: { 'retry-max-attempts': 0 } },
  { input: 'retry-max-attempts', why: '"many"', with: { 'retry-max-attempts': 'many' } },
  { input: 'action-timeout-s', why: '"5s"', with: { 'action-timeout-s': '5s' } },
  { input: 'disable-retry', why: '"yes"', with: { 'disable-retry': 'yes' } },
  { input: 'mask-aws-account-id', why: '"on"', with: { 'mask-aws-account-id': 'on' } },
  { input: 'output-credentials', why: '"1"', with: { 'output-credentials': 1 } },
  { input: 'output-env-credentials', why: '"no"', with: { 'output-env-credentials': 'no' } },
  { input: 'role-skip-session-tagging', why: '"Yes"', with: { 'role-skip-session-tagging': 'Yes' } },
  { input: 'unset-current-credentials', why: '"y"', with: { 'unset-current-credentials': 'y' } },
  {
    input: 'overwrite-aws-profile',
    why: '"tru"',
    with: { 'aws-profile': 'dev', 'overwrite-aws-profile': 'tru' },
  },
  {
    input: 'special-characters-workaround',
    why: '"enabled"',
    with: { 'special-characters-workaround': 'enabled' },
  },
  { input: 'use-existing-credentials', why: '"0"', with: { 'use-existing-credentials': 0 } },
  { input: 'force-skip-oidc', why: '"off"', with: { 'force-skip-oidc': 'off' } },
  { input: 'no-proxy', why: 'a newline and ::set-env', with: { 'no-proxy': `localhost\n${SET_ENV}` } },
  { input: 'action-timeout-s', why: 'negative', with: { 'action-timeout-s': -1 } },
  { input: 'retry-max-attempts', why: '0 (the reference reads it as 12)', with: { 'retry-max-attempts': 0 } },
  { input: 'refresh-credentials', why: 'with access keys', with: { ...KEYS, 'refresh-credentials': true } },
  { input: 'refresh-credentials', why: '"maybe"', with: { 'refresh-credentials': 'maybe' } },
  { input: 'summary', why: '"no"', with: { summary: 'no' } },
];
