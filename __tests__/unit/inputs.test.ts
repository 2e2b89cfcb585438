import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { InputError } from '../../src/errors.js';
import { readConfig, SECRET_INPUTS, type Config } from '../../src/inputs/config.js';
import { ACTION_DEFAULTS, BOOLEAN_INPUTS, inputsFrom } from './fixtures/inputs.js';

type Inputs = Record<string, string>;

const ROLE = 'arn:aws:iam::123456789012:role/deploy';
const OTHER_ROLE = 'arn:aws:iam::210987654321:role/spoke';
const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue';
const KEYS = { 'aws-access-key-id': KEY_ID, 'aws-secret-access-key': SECRET };
const WORKSPACE = path.resolve('/home/runner/work/repo/repo');

/** Config keys of the boolean inputs. */
const BOOLEAN_FIELDS: Record<(typeof BOOLEAN_INPUTS)[number], keyof Config> = {
  'role-chaining': 'roleChaining',
  'role-skip-session-tagging': 'skipSessionTagging',
  'mask-aws-account-id': 'maskAccountId',
  'output-credentials': 'outputCredentials',
  'output-env-credentials': 'outputEnvCredentials',
  'unset-current-credentials': 'unsetCurrentCredentials',
  'overwrite-aws-profile': 'overwriteAwsProfile',
  'disable-retry': 'disableRetry',
  'special-characters-workaround': 'specialCharactersWorkaround',
  'use-existing-credentials': 'useExistingCredentials',
  'force-skip-oidc': 'forceSkipOidc',
  'refresh-credentials': 'refreshCredentials',
  summary: 'summary',
};

/** Reads a config with aws-region us-east-1 unless the inputs say otherwise. */
function read(
  inputs: Inputs,
  env: NodeJS.ProcessEnv = { GITHUB_WORKSPACE: WORKSPACE, GITHUB_RUN_ID: '4242' },
): Config {
  return readConfig(inputsFrom({ 'aws-region': 'us-east-1', ...inputs }), env);
}

/** The InputError readConfig throws for these inputs. */
function inputError(inputs: Inputs): InputError {
  try {
    read(inputs);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(inputs)}`);
}

const tags = (count: number, prefix = 'Tag'): string =>
  JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, `v${i}`])));
const policyArns = (count: number): string =>
  Array.from({ length: count }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`).join('\n');

describe('BOOLEAN_INPUTS', () => {
  it('is every input action.yml describes as "Accepts true or false"', () => {
    const action = parse(readFileSync('action.yml', 'utf8')) as {
      inputs: Record<string, { description: string }>;
    };
    const described = Object.entries(action.inputs)
      .filter(([, input]) => /Accepts true or false\.\s*$/.test(input.description))
      .map(([name]) => name);
    expect([...BOOLEAN_INPUTS].sort()).toEqual(described.sort());
  });
});

describe('defaults', () => {
  const defaults: Config = {
    region: 'us-east-1',
    partition: { name: 'aws', defaultAudience: 'sts.amazonaws.com', dnsSuffix: 'amazonaws.com' },
    roleToAssume: undefined,
    roleSessionName: 'GitHubActions',
    nextHops: [],
    profiles: [],
    profileLocation: 'home',
    roleSourceIdentity: undefined,
    sessionNameNote: undefined,
    roleDurationSeconds: 3600,
    staticKeys: undefined,
    webIdentityTokenFile: undefined,
    roleChaining: false,
    audience: 'sts.amazonaws.com',
    roleExternalId: undefined,
    skipSessionTagging: false,
    transitiveTagKeys: [],
    customTags: {},
    inlineSessionPolicy: undefined,
    managedSessionPolicies: [],
    maskAccountId: false,
    outputCredentials: false,
    outputEnvCredentials: true,
    unsetCurrentCredentials: false,
    awsProfile: undefined,
    overwriteAwsProfile: false,
    allowedAccountIds: [],
    stsEndpoint: undefined,
    httpProxy: undefined,
    noProxy: [],
    retryMaxAttempts: 12,
    disableRetry: false,
    specialCharactersWorkaround: false,
    useExistingCredentials: false,
    forceSkipOidc: false,
    actionTimeoutSeconds: undefined,
    refreshCredentials: false,
    summary: true,
    inputVariables: {},
  };

  it('fills every unset input with its default', () => {
    expect(read({})).toEqual(defaults);
  });

  it('action.yml declares no defaults: the runner would pass them and hide the stand-in variables', () => {
    expect(ACTION_DEFAULTS).toEqual({});
  });

  it.each([
    ['cn-north-1', 'arn:aws-cn:iam::123456789012:role/deploy', 'sts.amazonaws.com.cn'],
    ['cn-northwest-1', 'arn:aws-cn:iam::123456789012:role/deploy', 'sts.amazonaws.com.cn'],
    ['us-gov-west-1', 'arn:aws-us-gov:iam::123456789012:role/deploy', 'sts.amazonaws.com'],
    ['eu-west-1', ROLE, 'sts.amazonaws.com'],
  ])('in %s the audience defaults to %s', (region, role, audience) => {
    expect(read({ 'aws-region': region, 'role-to-assume': role }).audience).toBe(audience);
  });

  it('keeps an audience that is set, also in cn-* regions', () => {
    expect(read({ 'aws-region': 'cn-north-1', audience: 'my-audience' }).audience).toBe('my-audience');
  });

  it('turns the env export off by default when aws-profile is set, and on when asked', () => {
    const profile = { 'aws-profile': 'deploy', 'role-to-assume': ROLE };
    expect(read(profile)).toMatchObject({ awsProfile: 'deploy', outputEnvCredentials: false });
    expect(read({ ...profile, 'output-env-credentials': 'true' }).outputEnvCredentials).toBe(true);
  });

  it.each([
    ['token', { GITHUB_WORKSPACE: WORKSPACE }, path.join(WORKSPACE, 'token')],
    ['tokens/../eks/token', { GITHUB_WORKSPACE: WORKSPACE }, path.join(WORKSPACE, 'eks', 'token')],
    [
      '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
      { GITHUB_WORKSPACE: WORKSPACE },
      '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    ],
    ['token', {}, path.resolve(process.cwd(), 'token')],
  ])(
    'resolves web-identity-token-file %s against GITHUB_WORKSPACE, else the working folder (env %j)',
    (file, env, expected) => {
      const inputs = { 'role-to-assume': ROLE, 'web-identity-token-file': file };
      expect(read(inputs, env).webIdentityTokenFile).toBe(expected);
    },
  );
});

describe('valid inputs', () => {
  it.each<[string, Inputs, Partial<Config>]>([
    ['the shortest session', { 'role-duration-seconds': '900' }, { roleDurationSeconds: 900 }],
    ['the longest session', { 'role-duration-seconds': '43200' }, { roleDurationSeconds: 43200 }],
    ['a session name of 2 characters', { 'role-session-name': 'ab' }, { roleSessionName: 'ab' }],
    [
      'a session name of 64 characters',
      { 'role-session-name': 'n'.repeat(64) },
      { roleSessionName: 'n'.repeat(64) },
    ],
    [
      'every session name character',
      { 'role-session-name': 'a_Z9+=,.@-' },
      { roleSessionName: 'a_Z9+=,.@-' },
    ],
    ['a role ARN', { 'role-to-assume': ROLE }, { roleToAssume: ROLE }],
    [
      'a role ARN with a path',
      { 'role-to-assume': 'arn:aws:iam::123456789012:role/ci/github/deploy' },
      { roleToAssume: 'arn:aws:iam::123456789012:role/ci/github/deploy' },
    ],
    ['a bare role name', { 'role-to-assume': 'deploy_role+=,.@-' }, { roleToAssume: 'deploy_role+=,.@-' }],
    [
      'a GovCloud role in a GovCloud region',
      { 'aws-region': 'us-gov-east-1', 'role-to-assume': 'arn:aws-us-gov:iam::123456789012:role/deploy' },
      {
        region: 'us-gov-east-1',
        partition: { name: 'aws-us-gov', defaultAudience: 'sts.amazonaws.com', dnsSuffix: 'amazonaws.com' },
      },
    ],
    [
      'an ISO-B role in an ISO-B region',
      { 'aws-region': 'us-isob-east-1', 'role-to-assume': 'arn:aws-iso-b:iam::123456789012:role/deploy' },
      { region: 'us-isob-east-1' },
    ],
    ['a region with a two-digit number', { 'aws-region': 'ap-southeast-10' }, { region: 'ap-southeast-10' }],
    ['the fewest retries', { 'retry-max-attempts': '1' }, { retryMaxAttempts: 1 }],
    ['many retries', { 'retry-max-attempts': '100' }, { retryMaxAttempts: 100 }],
    ['a timeout', { 'action-timeout-s': '1' }, { actionTimeoutSeconds: 1 }],
    [
      'no timeout, written as 0 like configure-aws-credentials',
      { 'action-timeout-s': '0' },
      { actionTimeoutSeconds: undefined },
    ],
    [
      'custom tags in any letters, spaces and _.:/=+-@, empty values too',
      { 'custom-tags': '{"Team": "platform", "Cost Center": "ü 42", "a_.:/=+-@": "_.:/=+-@", "Empty": ""}' },
      { customTags: { Team: 'platform', 'Cost Center': 'ü 42', 'a_.:/=+-@': '_.:/=+-@', Empty: '' } },
    ],
    [
      'custom tags over several lines',
      { 'custom-tags': '{\n  "Team": "platform"\n}' },
      { customTags: { Team: 'platform' } },
    ],
    ['43 custom tags', { 'custom-tags': tags(43) }, { customTags: JSON.parse(tags(43)) }],
    [
      'custom tag numbers and booleans, sent as text like the reference action does',
      { 'custom-tags': '{"Count": 1, "Ratio": 0.5, "Enabled": true, "Off": false}' },
      { customTags: { Count: '1', Ratio: '0.5', Enabled: 'true', Off: 'false' } },
    ],
    [
      'the longest custom tag key and value',
      { 'custom-tags': JSON.stringify({ ['k'.repeat(128)]: 'v'.repeat(256) }) },
      { customTags: { ['k'.repeat(128)]: 'v'.repeat(256) } },
    ],
    [
      'transitive tag keys of action and custom tags, by line or comma',
      { 'custom-tags': '{"Team": "platform"}', 'transitive-tag-keys': 'Repository, Team\nJob' },
      { transitiveTagKeys: ['Repository', 'Team', 'Job'] },
    ],
    [
      'allowed account ids that include the role',
      { 'role-to-assume': ROLE, 'allowed-account-ids': '210987654321, 123456789012' },
      { allowedAccountIds: ['210987654321', '123456789012'] },
    ],
    [
      'allowed account ids with a bare role name (checked once the account is known)',
      { 'role-to-assume': 'deploy', 'allowed-account-ids': '210987654321' },
      { allowedAccountIds: ['210987654321'] },
    ],
    [
      'an https STS endpoint',
      { 'sts-endpoint': 'https://sts.example.com' },
      { stsEndpoint: 'https://sts.example.com' },
    ],
    [
      'an http STS endpoint',
      { 'sts-endpoint': 'http://localhost:5000' },
      { stsEndpoint: 'http://localhost:5000' },
    ],
    [
      'an http proxy',
      { 'http-proxy': 'http://proxy.example.com:3128' },
      { httpProxy: 'http://proxy.example.com:3128' },
    ],
    [
      'no-proxy hosts',
      { 'no-proxy': 'localhost, .internal,,169.254.169.254' },
      { noProxy: ['localhost', '.internal', '169.254.169.254'] },
    ],
    ['an external id of 2 characters', { 'role-external-id': 'ab' }, { roleExternalId: 'ab' }],
    [
      'an external id of 1224 characters',
      { 'role-external-id': 'x'.repeat(1224) },
      { roleExternalId: 'x'.repeat(1224) },
    ],
    [
      'every external id character',
      { 'role-external-id': 'a_Z9+=,.@:/-' },
      { roleExternalId: 'a_Z9+=,.@:/-' },
    ],
    [
      'an inline session policy, minified',
      { 'inline-session-policy': '{\n  "Version": "2012-10-17",\n  "Statement": []\n}' },
      { inlineSessionPolicy: '{"Version":"2012-10-17","Statement":[]}' },
    ],
    [
      'an inline session policy that fits once minified',
      { 'inline-session-policy': JSON.stringify({ Sid: 'x'.repeat(2030) }, null, 40) },
      { inlineSessionPolicy: JSON.stringify({ Sid: 'x'.repeat(2030) }) },
    ],
    [
      "10 managed session policies, AWS-managed or the account's",
      { 'managed-session-policies': `arn:aws:iam::aws:policy/ReadOnlyAccess,${policyArns(9)}` },
      {
        managedSessionPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess', ...policyArns(9).split('\n')],
      },
    ],
    [
      'access keys',
      { ...KEYS },
      { staticKeys: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: undefined } },
    ],
    [
      'access keys with a session token',
      { ...KEYS, 'aws-session-token': SESSION_TOKEN },
      { staticKeys: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: SESSION_TOKEN } },
    ],
    [
      'role-chaining for an hour',
      { 'role-to-assume': ROLE, 'role-chaining': 'true', 'role-duration-seconds': '3600' },
      { roleChaining: true, roleDurationSeconds: 3600 },
    ],
    [
      'a profile for keys without a role',
      { ...KEYS, 'aws-profile': 'ci.deploy_1+=,@-' },
      { awsProfile: 'ci.deploy_1+=,@-' },
    ],
    ['the default profile', { 'role-to-assume': ROLE, 'aws-profile': 'default' }, { awsProfile: 'default' }],
    [
      'a chain of two roles in role-to-assume',
      { 'role-to-assume': `${ROLE}\n${OTHER_ROLE}` },
      {
        roleToAssume: ROLE,
        nextHops: [{ roleArn: OTHER_ROLE, externalId: undefined, sessionName: 'GitHubActions', line: 2 }],
      },
    ],
    [
      'one role with its own external id and session name',
      { 'role-to-assume': `${ROLE} external-id=ext-1 session-name=ci-1` },
      { roleToAssume: ROLE, roleExternalId: 'ext-1', roleSessionName: 'ci-1', nextHops: [] },
    ],
    [
      'profiles',
      { 'role-to-assume': ROLE, profiles: `# spokes\ndev: ${OTHER_ROLE}` },
      {
        profiles: [
          { name: 'dev', roleArn: OTHER_ROLE, externalId: undefined, sessionName: 'GitHubActions', line: 2 },
        ],
      },
    ],
    ['a source identity', { 'role-source-identity': 'octocat' }, { roleSourceIdentity: 'octocat' }],
    [
      'a session name template',
      { 'role-session-name-template': 'gha-{run_id}' },
      {
        roleSessionName: 'gha-4242',
        sessionNameNote: 'Session name gha-4242 (from role-session-name-template "gha-{run_id}")',
      },
    ],
    ['job-local profile files', { 'profile-location': 'job' }, { profileLocation: 'job' }],
  ])('accepts %s', (_what, inputs, expected) => {
    expect(read(inputs)).toMatchObject(expected);
  });

  it.each(
    BOOLEAN_INPUTS.flatMap((name) =>
      (
        [
          ['true', true],
          ['True', true],
          ['TRUE', true],
          ['false', false],
          ['False', false],
          ['FALSE', false],
        ] as const
      ).map(([raw, value]) => [name, raw, value] as const),
    ),
  )('reads %s: %s as %s', (name, raw, value) => {
    const config = read({ 'role-to-assume': ROLE, [name]: raw });
    expect(config[BOOLEAN_FIELDS[name]]).toBe(value);
  });
});

// [what, inputs, the input the error names, part of the message saying what it accepts]
type Invalid = [string, Inputs, string, string];

const withRole = (inputs: Inputs): Inputs => ({ 'role-to-assume': ROLE, ...inputs });

const INVALID: Invalid[] = [
  // role-duration-seconds
  ...['1h', '899', '43201', '3600.5', '-1', ' 1e3', '1e3', '0x384', '3_600', 'one hour'].map(
    (raw): Invalid => [
      `role-duration-seconds ${JSON.stringify(raw)}`,
      { 'role-duration-seconds': raw },
      'role-duration-seconds',
      'an integer from 900 to 43200',
    ],
  ),
  [
    'role-duration-seconds over an hour with role-chaining',
    withRole({ 'role-chaining': 'true', 'role-duration-seconds': '3601' }),
    'role-duration-seconds',
    'at most 3600 with role-chaining',
  ],
  // role-session-name
  ...['a', 'n'.repeat(65), 'has space', 'slash/name', 'colon:name', 'émile', 'tab\tname'].map(
    (raw): Invalid => [
      `role-session-name ${JSON.stringify(raw)}`,
      { 'role-session-name': raw },
      'role-session-name',
      '2 to 64 letters, digits or _+=,.@- characters',
    ],
  ),
  // aws-region
  ['no aws-region', { 'aws-region': '' }, 'aws-region', 'like us-east-1'],
  ['a blank aws-region', { 'aws-region': '   ' }, 'aws-region', 'like us-east-1'],
  ...['US-EAST-1', 'us-east', 'useast1', 'us_east_1', 'us-east-123', 'us-east-1a', 'https://us-east-1'].map(
    (raw): Invalid => [
      `aws-region ${JSON.stringify(raw)}`,
      { 'aws-region': raw },
      'aws-region',
      'like us-east-1',
    ],
  ),
  // role-to-assume
  ...[
    'arn:aws:iam::12345:role/deploy',
    'arn:aws:iam::123456789012:user/deploy',
    'arn:aws:sts::123456789012:assumed-role/deploy/session',
    'arn:aws:iam::123456789012:role/',
    'arn:aws:iam::123456789012:role/has space',
    'arn:AWS:iam::123456789012:role/deploy',
    'deploy role',
    'deploy/role',
    'r'.repeat(65),
  ].map((raw): Invalid => [
    `role-to-assume ${JSON.stringify(raw)}`,
    { 'role-to-assume': raw },
    'role-to-assume',
    'an IAM role ARN like arn:aws:iam::123456789012:role/deploy, or a bare role name',
  ]),
  [
    'an aws-cn role in a commercial region',
    { 'role-to-assume': 'arn:aws-cn:iam::123456789012:role/deploy' },
    'role-to-assume',
    'use a role ARN of that partition',
  ],
  [
    'a commercial role in a cn region',
    { 'aws-region': 'cn-north-1', 'role-to-assume': ROLE },
    'role-to-assume',
    'aws-region cn-north-1 is in partition aws-cn',
  ],
  [
    'a commercial role in a GovCloud region',
    { 'aws-region': 'us-gov-west-1', 'role-to-assume': ROLE },
    'role-to-assume',
    'is in partition aws-us-gov',
  ],
  // a chain in role-to-assume, profiles, role-session-name-template, role-source-identity, profile-location
  // (every rule in plan-inputs.test.ts)
  [
    'a bare role name in a chain',
    { 'role-to-assume': `${ROLE}\ndeploy` },
    'role-to-assume',
    'role-to-assume line 2: "deploy" is not a role ARN: every line of a chain must be a full role ARN like arn:aws:iam::123456789012:role/deploy',
  ],
  [
    'role-duration-seconds over an hour with a chain',
    { 'role-to-assume': `${ROLE}\n${OTHER_ROLE}`, 'role-duration-seconds': '3601' },
    'role-duration-seconds',
    'at most 3600 with a chain in role-to-assume',
  ],
  [
    'an unknown setting on a role-to-assume line',
    { 'role-to-assume': `${ROLE} duration=900` },
    'role-to-assume',
    'role-to-assume line 1: unknown setting "duration": the accepted settings are external-id=VALUE and session-name=VALUE',
  ],
  [
    'a profile name twice',
    { profiles: `dev: ${ROLE}\ndev: ${OTHER_ROLE}` },
    'profiles',
    'profiles line 2: profile "dev" is already on line 1',
  ],
  [
    'a profile without a role ARN',
    { profiles: 'dev: deploy' },
    'profiles',
    'every profile needs a full role ARN like arn:aws:iam::123456789012:role/deploy',
  ],
  [
    'role-duration-seconds over an hour with profiles and role-to-assume',
    withRole({ profiles: `dev: ${OTHER_ROLE}`, 'role-duration-seconds': '7200' }),
    'role-duration-seconds',
    'at most 3600 with profiles',
  ],
  [
    'an unknown placeholder in role-session-name-template',
    { 'role-session-name-template': '{branch}' },
    'role-session-name-template',
    'the known ones are {run_id}, {run_attempt}, {run_number}, {job}, {workflow}, {repository}, {repository_name}, {actor}, {sha}, {ref_name}',
  ],
  [
    'role-session-name-template with role-session-name',
    { 'role-session-name-template': 'gha-{run_id}', 'role-session-name': 'mine' },
    'role-session-name-template',
    'set only one of them',
  ],
  ...['a', 'aws:ci', 'has space'].map((raw): Invalid => [
    `role-source-identity ${JSON.stringify(raw)}`,
    { 'role-source-identity': raw },
    'role-source-identity',
    raw.startsWith('aws:') ? 'must not start with "aws:"' : '2 to 64 letters, digits or _+=,.@- characters',
  ]),
  ...['Job', 'runner'].map((raw): Invalid => [
    `profile-location ${JSON.stringify(raw)}`,
    { 'profile-location': raw },
    'profile-location',
    'home or job',
  ]),
  // booleans
  ...BOOLEAN_INPUTS.flatMap((name) =>
    ['yes', 'no', '1', '0', 'on', 'off', 'tRUE', 'y'].map((raw): Invalid => [
      `${name} ${JSON.stringify(raw)}`,
      withRole({ [name]: raw }),
      name,
      'true or false (true | True | TRUE | false | False | FALSE)',
    ]),
  ),
  // retry-max-attempts, action-timeout-s
  ...['0', '00', '-1', '-12'].map((raw): Invalid => [
    `retry-max-attempts ${JSON.stringify(raw)} (the reference reads 0 as 12 and negatives as 1)`,
    { 'retry-max-attempts': raw },
    'retry-max-attempts',
    'at least 1 (the attempts in all, the first included), got',
  ]),
  ...['1.5', 'ten', '1e2'].map((raw): Invalid => [
    `retry-max-attempts ${JSON.stringify(raw)}`,
    { 'retry-max-attempts': raw },
    'retry-max-attempts',
    'an integer of at least 1',
  ]),
  ...['-1', '1.5', 'ten', '1e2', '5s'].map((raw): Invalid => [
    `action-timeout-s ${JSON.stringify(raw)}`,
    { 'action-timeout-s': raw },
    'action-timeout-s',
    'an integer from 0 to 2147483',
  ]),
  // custom-tags
  ...[
    'not json',
    '{"Team": "platform",}',
    '["Team"]',
    '"Team"',
    'null',
    '42',
    '{"Team": null}',
    '{"Team": ["a"]}',
    '{"Team": {"a": "b"}}',
  ].map((raw): Invalid => [
    `custom-tags ${raw}`,
    { 'custom-tags': raw },
    'custom-tags',
    'a JSON object of string, number or boolean values, like {"Team": "platform"}',
  ]),
  ...[
    'GitHub',
    'Repository',
    'Workflow',
    'Action',
    'Actor',
    'Commit',
    'Branch',
    'EventName',
    'BaseRef',
    'HeadRef',
    'RunId',
    'Job',
    'TriggeringActor',
  ].map((key): Invalid => [
    `custom-tags setting the action's own ${key}`,
    { 'custom-tags': JSON.stringify({ [key]: 'mine' }) },
    'custom-tags',
    'the action sets it',
  ]),
  ['44 custom tags', { 'custom-tags': tags(44) }, 'custom-tags', 'at most 43 tags'],
  ...['', 'k'.repeat(129), 'hash#key', 'semi;colon', 'new\nline', 'emoji🚀'].map((key): Invalid => [
    `custom-tags key ${JSON.stringify(key)}`,
    { 'custom-tags': JSON.stringify({ [key]: 'value' }) },
    'custom-tags',
    'keys must be 1 to 128 letters, digits, spaces or _.:/=+-@ characters',
  ]),
  ...['v'.repeat(257), 'hash#value', 'new\nline', 'quote"d', 'emoji🚀'].map((value): Invalid => [
    `custom-tags value ${JSON.stringify(value.slice(0, 20))}`,
    { 'custom-tags': JSON.stringify({ Team: value }) },
    'custom-tags',
    'values must be at most 256 letters, digits, spaces or _.:/=+-@ characters',
  ]),
  // transitive-tag-keys
  ...(
    [
      ['Team', ''],
      ['Team', '{"Other": "x"}'],
      ['team', '{"Team": "x"}'],
      ['Repository,Unknown', ''],
      ['toString', ''],
      ['constructor', '{"Team": "x"}'],
    ] as const
  ).map(([keys, custom]): Invalid => [
    `transitive-tag-keys ${keys} with custom-tags ${custom || 'unset'}`,
    { 'transitive-tag-keys': keys, 'custom-tags': custom },
    'transitive-tag-keys',
    'must name session tags the action sends',
  ]),
  // allowed-account-ids
  ...['12345', '123456789012,abc', '1234567890123', '1234-5678-9012', '12345678901a'].map((raw): Invalid => [
    `allowed-account-ids ${raw}`,
    { 'allowed-account-ids': raw },
    'allowed-account-ids',
    '12-digit AWS account ids',
  ]),
  [
    "a role in an account allowed-account-ids doesn't list",
    { 'role-to-assume': ROLE, 'allowed-account-ids': '210987654321,111122223333' },
    'allowed-account-ids',
    'not in allowed-account-ids (210987654321, 111122223333)',
  ],
  // sts-endpoint, http-proxy
  ...['sts.amazonaws.com', 'ftp://sts.example.com', 'file:///etc/passwd', 'https//sts.example.com'].map(
    (raw): Invalid => [
      `sts-endpoint ${raw}`,
      { 'sts-endpoint': raw },
      'sts-endpoint',
      'an http:// or https:// URL',
    ],
  ),
  ...['proxy.example.com:3128', 'socks5://proxy:1080', 'not a url'].map((raw): Invalid => [
    `http-proxy ${raw}`,
    { 'http-proxy': raw },
    'http-proxy',
    'an http:// or https:// URL',
  ]),
  // role-external-id
  ...['a', 'x'.repeat(1225), 'has space', 'hash#id', 'quote"d'].map((raw): Invalid => [
    `role-external-id ${JSON.stringify(raw.slice(0, 20))}`,
    withRole({ 'role-external-id': raw }),
    'role-external-id',
    '2 to 1224 letters, digits or _+=,.@:/- characters',
  ]),
  // inline-session-policy
  ...['not json', '{"Version": }', '[]', '"policy"', 'null', 'true'].map((raw): Invalid => [
    `inline-session-policy ${raw}`,
    { 'inline-session-policy': raw },
    'inline-session-policy',
    'an IAM policy document as a JSON object',
  ]),
  [
    'an inline session policy over 2048 characters once minified',
    { 'inline-session-policy': JSON.stringify({ Sid: 'x'.repeat(2040) }) },
    'inline-session-policy',
    'at most 2048 characters once minified',
  ],
  // managed-session-policies
  ...[
    'ReadOnlyAccess',
    'arn:aws:iam::aws:role/ReadOnlyAccess',
    'arn:aws:iam::12345:policy/p',
    'arn:aws:s3:::bucket',
    'arn:aws:iam::aws:policy/has space',
  ].map((raw): Invalid => [
    `managed-session-policies ${raw}`,
    { 'managed-session-policies': raw },
    'managed-session-policies',
    'IAM policy ARNs like arn:aws:iam::aws:policy/ReadOnlyAccess',
  ]),
  [
    '11 managed session policies',
    { 'managed-session-policies': policyArns(11) },
    'managed-session-policies',
    'at most 10 policies',
  ],
  // access keys
  [
    'a key id without its secret',
    { 'aws-access-key-id': KEY_ID },
    'aws-secret-access-key',
    'set both, or neither',
  ],
  [
    'a secret without its key id',
    { 'aws-secret-access-key': SECRET },
    'aws-access-key-id',
    'set both, or neither',
  ],
  [
    'a session token without keys',
    { 'aws-session-token': SESSION_TOKEN },
    'aws-session-token',
    'set all three, or none',
  ],
  [
    'a session token with a key id only',
    { 'aws-access-key-id': KEY_ID, 'aws-session-token': SESSION_TOKEN },
    'aws-secret-access-key',
    'set both, or neither',
  ],
  ...SECRET_INPUTS.map((name): Invalid => [
    `${name} over two lines`,
    { ...KEYS, 'aws-session-token': SESSION_TOKEN, [name]: `${SECRET}\n${SESSION_TOKEN}` },
    name,
    'a single line',
  ]),
  // Secrets go into an HTTP header: not ASCII, and the SDK fails naming the header instead of the input.
  ...SECRET_INPUTS.flatMap((name): Invalid[] =>
    ['€', 'with blank', 'tab\there', 'ünïcode', 'emoji🚀'].map((value) => [
      `${name} ${JSON.stringify(value)}`,
      { ...KEYS, 'aws-session-token': SESSION_TOKEN, [name]: value },
      name,
      'visible ASCII characters (no spaces, accents or symbols like €), but it holds another character',
    ]),
  ),
  [
    'aws-access-key-id of 129 characters',
    { ...KEYS, 'aws-access-key-id': 'A'.repeat(129) },
    'aws-access-key-id',
    'at most 128 visible ASCII characters',
  ],
  [
    'aws-session-token of 16385 characters',
    { ...KEYS, 'aws-session-token': 'T'.repeat(16385) },
    'aws-session-token',
    'but it holds 16385 characters',
  ],
  // web-identity-token-file
  [
    'web-identity-token-file without role-to-assume',
    { 'web-identity-token-file': '/tmp/token' },
    'web-identity-token-file',
    'needs role-to-assume',
  ],
  [
    'web-identity-token-file with access keys',
    withRole({ ...KEYS, 'web-identity-token-file': '/tmp/token' }),
    'web-identity-token-file',
    'set only one of them',
  ],
  // role-chaining
  [
    'role-chaining without role-to-assume',
    { 'role-chaining': 'true' },
    'role-chaining',
    'needs role-to-assume',
  ],
  // aws-profile
  ...['my profile', 'p'.repeat(65), 'a]b', '[default]', 'semi;colon'].map((raw): Invalid => [
    `aws-profile ${JSON.stringify(raw)}`,
    withRole({ 'aws-profile': raw }),
    'aws-profile',
    '1 to 64 letters, digits or _+=,.@- characters',
  ]),
  // refresh-credentials: only sources that get new tokens by themselves, and nothing secret written to disk
  [
    'refresh-credentials without a role',
    { 'refresh-credentials': 'true' },
    'refresh-credentials',
    'works only with GitHub OIDC or web-identity-token-file, which can get new tokens in later steps: set role-to-assume',
  ],
  [
    'refresh-credentials with access keys',
    withRole({ ...KEYS, 'refresh-credentials': 'true' }),
    'refresh-credentials',
    'remove aws-access-key-id or refresh-credentials',
  ],
  [
    'refresh-credentials with use-existing-credentials',
    withRole({ 'use-existing-credentials': 'true', 'refresh-credentials': 'true' }),
    'refresh-credentials',
    'contradict each other',
  ],
  [
    'refresh-credentials with role-chaining',
    withRole({ 'role-chaining': 'true', 'refresh-credentials': 'true' }),
    'refresh-credentials',
    'a chained session cannot be renewed by later steps',
  ],
  ...['http://user:secret@proxy.internal:3128', 'https://token@proxy.internal'].map((proxy): Invalid => [
    `refresh-credentials with a password in http-proxy (${proxy.split('@')[1]})`,
    withRole({ 'http-proxy': proxy, 'refresh-credentials': 'true' }),
    'refresh-credentials',
    'http-proxy holds a user name or password, which would be written to disk; set HTTPS_PROXY in the job instead',
  ]),
  [
    'aws-profile without a role or keys',
    { 'aws-profile': 'deploy' },
    'aws-profile',
    'set role-to-assume, or aws-access-key-id and aws-secret-access-key',
  ],
  // line breaks where a single line is expected
  ...(
    [
      ['aws-region', 'us-east-1\nus-west-2'],
      ['role-session-name-template', 'gha-{run_id}\n{job}'],
      ['role-source-identity', 'octocat\nother'],
      ['profile-location', 'home\njob'],
      ['role-session-name', 'GitHub\nActions'],
      ['role-duration-seconds', '3600\n900'],
      ['web-identity-token-file', '/tmp/token\n/tmp/other'],
      ['audience', 'sts.amazonaws.com\nother'],
      ['role-external-id', 'external\nid'],
      ['aws-profile', 'dev\nprod'],
      ['sts-endpoint', 'https://sts.example.com\nhttps://other.example.com'],
      ['http-proxy', 'http://proxy:3128\r\nhttp://other:3128'],
      ['no-proxy', 'localhost\n.internal'],
      ['retry-max-attempts', '3\n4'],
      ['action-timeout-s', '60\r60'],
      ...BOOLEAN_INPUTS.map((name) => [name, 'true\nfalse'] as const),
    ] as const
  ).map(([name, raw]): Invalid => [
    `${name} over two lines`,
    withRole({ [name]: raw }),
    name,
    'must be a single line',
  ]),
];

describe('invalid inputs', () => {
  it.each(INVALID)('refuses %s', (_what, inputs, input, accepts) => {
    const error = inputError(inputs);
    expect(error.input).toBe(input);
    expect(error.message).toContain(input);
    expect(error.message).toContain(accepts);
    // A secret input's value is never shown, not even the part before a line break.
    const secretParts = SECRET_INPUTS.flatMap((name) => (inputs[name] ?? '').split(/\s+/));
    for (const part of secretParts.filter((p) => p.length >= 4)) expect(error.message).not.toContain(part);
  });

  // Keys are a credential source of their own: they make aws-profile valid without a role. Every other rule
  // must still hold with keys set, name the same input, and not show the keys.
  const keysChangeNothing = INVALID.filter(
    ([, inputs, input]) =>
      SECRET_INPUTS.every((name) => inputs[name] === undefined) &&
      !(input === 'aws-profile' && inputs['role-to-assume'] === undefined),
  );
  it.each(keysChangeNothing)(
    'refuses %s the same way when access keys are set too',
    (_what, inputs, input) => {
      const error = inputError({ ...KEYS, 'aws-session-token': SESSION_TOKEN, ...inputs });
      expect(error.input).toBe(input);
      for (const secret of [KEY_ID, SECRET, SESSION_TOKEN]) expect(error.message).not.toContain(secret);
    },
  );
});

describe('rules STS applies that the inputs check early', () => {
  it('accepts European Sovereign Cloud regions in their own partition', () => {
    const config = read({
      'aws-region': 'eusc-de-east-1',
      'role-to-assume': 'arn:aws-eusc:iam::123456789012:role/r',
    });
    expect(config.partition.name).toBe('aws-eusc');
  });

  it.each(['{"github": "x"}', '{"REPOSITORY": "x"}'])(
    'refuses custom-tags %s: tag keys ignore case',
    (raw) => {
      expect(inputError({ 'custom-tags': raw }).message).toMatch(/custom-tags can't set/);
    },
  );

  it('refuses custom-tags keys that differ only in case', () => {
    const error = inputError({ 'custom-tags': '{"Team": "a", "team": "b"}' });
    expect(error.input).toBe('custom-tags');
    expect(error.message).toMatch(/twice/);
  });

  it('refuses managed-session-policies from another partition than aws-region', () => {
    const error = inputError({
      'aws-region': 'cn-north-1',
      'managed-session-policies': 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    });
    expect(error.input).toBe('managed-session-policies');
    expect(error.message).toMatch(/partition aws-cn/);
  });

  it('never quotes the password of an invalid http-proxy', () => {
    const error = inputError({ 'http-proxy': 'socks5://user:hunter2secret@proxy:1080' });
    expect(error.input).toBe('http-proxy');
    expect(error.message).not.toContain('hunter2secret');
    expect(error.message).toContain('socks5://***@proxy:1080');
  });
});

describe('refresh-credentials', () => {
  it.each<[string, Inputs]>([
    ['a role (GitHub OIDC)', {}],
    ['a role and a token file', { 'web-identity-token-file': 'token' }],
    ['a role and a named profile', { 'aws-profile': 'ci' }],
    ['a proxy without a user name or password', { 'http-proxy': 'http://proxy.internal:3128' }],
  ])('accepts %s', (_what, inputs) => {
    expect(read(withRole({ ...inputs, 'refresh-credentials': 'true' })).refreshCredentials).toBe(true);
  });

  it('never quotes the password of the http-proxy it refuses', () => {
    const error = inputError(
      withRole({ 'http-proxy': 'http://deploy:hunter2secret@proxy:3128', 'refresh-credentials': 'true' }),
    );
    expect(error.message).not.toContain('hunter2secret');
    expect(error.message).not.toContain('deploy:');
  });
});
