import { describe, expect, it } from '@jest/globals';
import { InputError } from '../../src/errors.js';
import { ENVIRONMENT_PROFILE } from '../../src/export/exporting.js';
import { readConfig, type Config } from '../../src/inputs/config.js';
import { MAX_CHAIN, MAX_PROFILES, RESERVED_PROFILE } from '../../src/inputs/plan.js';
import { meaningfulLines } from '../../src/inputs/plan-lines.js';
import { fitSessionName, TEMPLATE_PLACEHOLDERS } from '../../src/inputs/session-name.js';
import { inputsFrom } from './fixtures/inputs.js';

// role-to-assume as a chain, profiles, role-session-name-template, role-source-identity and profile-location:
// parsed by readConfig before any request, every refusal an InputError naming the input (and the line).

type Inputs = Record<string, string>;

const A = 'arn:aws:iam::123456789012:role/hub';
const B = 'arn:aws:iam::210987654321:role/spoke';
const C = 'arn:aws:iam::111122223333:role/ci/deploy';
const KEYS = {
  'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE',
  'aws-secret-access-key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const RUN: NodeJS.ProcessEnv = {
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_RUN_NUMBER: '17',
  GITHUB_JOB: 'deploy',
  GITHUB_WORKFLOW: 'Release',
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_ACTOR: 'octocat',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_REF_NAME: 'main',
};

function read(inputs: Inputs, env: NodeJS.ProcessEnv = RUN, variables: Record<string, string> = {}): Config {
  return readConfig(inputsFrom({ 'aws-region': 'us-east-1', ...inputs }), env, variables);
}

/** The InputError readConfig throws, as [input, message]. */
function refusal(inputs: Inputs, env: NodeJS.ProcessEnv = RUN, variables: Record<string, string> = {}) {
  try {
    read(inputs, env, variables);
  } catch (error) {
    if (error instanceof InputError) return [error.input, error.message];
    throw error;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(inputs)}`);
}

const lines = (...items: string[]): string => items.join('\n');
const roles = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `arn:aws:iam::123456789012:role/r${i + 1}`);

describe('meaningfulLines', () => {
  it('trims lines, skips blank ones and # comments, and numbers them as written, whatever the line ends', () => {
    expect(meaningfulLines('# chain\r\n  a  \n\n\t\rb # not a comment\n   # indented comment\nc')).toEqual([
      { line: 2, text: 'a' },
      { line: 5, text: 'b # not a comment' },
      { line: 7, text: 'c' },
    ]);
  });
});

describe('role-to-assume: one line, as before, with settings', () => {
  it('reads a role ARN alone as before', () => {
    expect(read({ 'role-to-assume': A })).toMatchObject({
      roleToAssume: A,
      roleExternalId: undefined,
      roleSessionName: 'GitHubActions',
      nextHops: [],
    });
  });

  it('takes external-id= and session-name= after the role, a setting split at its first =', () => {
    expect(read({ 'role-to-assume': `${A}   external-id=a=b:c/d  session-name=ci.1` })).toMatchObject({
      roleToAssume: A,
      roleExternalId: 'a=b:c/d',
      roleSessionName: 'ci.1',
      nextHops: [],
    });
  });

  it('takes settings after a bare role name too', () => {
    expect(read({ 'role-to-assume': 'deploy session-name=ci' })).toMatchObject({
      roleToAssume: 'deploy',
      roleSessionName: 'ci',
    });
  });

  it("prefers the line's external-id= to role-external-id, and takes role-external-id otherwise", () => {
    expect(
      read({ 'role-to-assume': `${A} external-id=fromline`, 'role-external-id': 'frominput' }).roleExternalId,
    ).toBe('fromline');
    expect(read({ 'role-to-assume': A, 'role-external-id': 'frominput' }).roleExternalId).toBe('frominput');
  });

  it("still checks role-external-id when the line's external-id= wins", () => {
    expect(refusal({ 'role-to-assume': `${A} external-id=fromline`, 'role-external-id': 'x' })[0]).toBe(
      'role-external-id',
    );
  });

  it('is one line when the others are blank or comments (a bare role name stays allowed)', () => {
    const config = read({ 'role-to-assume': lines('# the deploy role', '', 'deploy', '  # done') });
    expect(config).toMatchObject({ roleToAssume: 'deploy', nextHops: [] });
  });

  it('is not set when every line is blank or a comment', () => {
    expect(read({ 'role-to-assume': lines('# nothing yet', '#', '') }).roleToAssume).toBeUndefined();
  });

  it.each<[string, string, string]>([
    [
      'a role with a space in it, as before',
      'deploy role',
      'role-to-assume must be an IAM role ARN like arn:aws:iam::123456789012:role/deploy, or a bare role name of 1 to 64 letters, digits or _+=,.@- characters, got "deploy role"',
    ],
    [
      'an ARN of another partition, as before',
      'arn:aws-cn:iam::123456789012:role/deploy session-name=ci',
      "role-to-assume is in partition aws-cn, but aws-region us-east-1 is in partition aws: use a role ARN of that partition or a region of the role's",
    ],
    [
      'a word without = next to an external-id=, by its length only',
      `${A} external-id=s3cr3t-value extra`,
      'role-to-assume line 1: after the role ARN only external-id=VALUE and session-name=VALUE may follow, got a word of 5 characters without "="',
    ],
    [
      'a setting before the role',
      `external-id=s3cr3t-value ${A}`,
      'role-to-assume line 1: the role ARN comes first, then its settings: the line starts with external-id=…',
    ],
    [
      'an unknown setting',
      `${A} ExternalId=abc`,
      'role-to-assume line 1: unknown setting "ExternalId": the accepted settings are external-id=VALUE and session-name=VALUE',
    ],
    [
      'a setting with an empty key',
      `${A} =abc`,
      'role-to-assume line 1: unknown setting "": the accepted settings are external-id=VALUE and session-name=VALUE',
    ],
    [
      'a setting twice',
      `${A} session-name=a1 session-name=b2`,
      'role-to-assume line 1: session-name is set twice on this line',
    ],
    [
      'a setting without a value',
      `${A} external-id =abc`,
      'role-to-assume line 1: external-id needs a value: write external-id=VALUE, with no space around "="',
    ],
    [
      'a session name of 1 character',
      `${A} session-name=x`,
      'role-to-assume line 1: session-name must be 2 to 64 letters, digits or _+=,.@- characters, got "x"',
    ],
    [
      'a session name with a slash',
      `${A} session-name=a/b`,
      'role-to-assume line 1: session-name must be 2 to 64 letters, digits or _+=,.@- characters, got "a/b"',
    ],
  ])('refuses %s', (_what, value, message) => {
    expect(refusal({ 'role-to-assume': value })).toEqual(['role-to-assume', message]);
  });

  it.each<[string, string]>([
    ['', 'an empty value'],
    ['q', '1 character'],
    ['s'.repeat(1225), '1225 characters'],
    ['s3cr3t#value', '12 characters, not all of them allowed'],
    ['sécret-value', '12 characters, not all of them allowed'],
  ])('refuses external-id=%j by its length only', (value, got) => {
    const [input, message] = refusal({ 'role-to-assume': `${A} external-id=${value}` });
    expect(input).toBe('role-to-assume');
    expect(message).toBe(
      `role-to-assume line 1: external-id must be 2 to 1224 letters, digits or _+=,.@:/- characters, got ${got}`,
    );
    if (value.length > 1) expect(message).not.toContain(value);
  });

  it('never shows an external id in a duplicate or a stray word', () => {
    for (const value of [
      `${A} external-id=s3cr3t-one external-id=s3cr3t-two`,
      `${A} external-id=s3cr3t-one s3cr3t-two`,
    ])
      expect(refusal({ 'role-to-assume': value })[1]).not.toMatch(/s3cr3t/);
  });
});

describe('role-to-assume: a chain', () => {
  it('keeps line 1 as roleToAssume and the others as hops, numbered as written', () => {
    const config = read({
      'role-to-assume': lines(
        `# hub, then the spokes`,
        `${A} external-id=hub-id session-name=hub-session`,
        '',
        `${B} external-id=spoke-id`,
        `   ${C}   session-name=last  `,
      ),
      'role-session-name': 'base-name',
      'role-external-id': 'input-id',
    });
    expect(config).toMatchObject({
      roleToAssume: A,
      roleExternalId: 'hub-id',
      roleSessionName: 'hub-session',
    });
    expect(config.nextHops).toEqual([
      { roleArn: B, externalId: 'spoke-id', sessionName: 'base-name', line: 4 },
      { roleArn: C, externalId: undefined, sessionName: 'last', line: 5 },
    ]);
  });

  it('gives role-external-id to line 1 only, and the base session name to every line without its own', () => {
    const config = read({ 'role-to-assume': lines(A, B), 'role-external-id': 'input-id' });
    expect(config).toMatchObject({ roleExternalId: 'input-id', roleSessionName: 'GitHubActions' });
    expect(config.nextHops).toEqual([
      { roleArn: B, externalId: undefined, sessionName: 'GitHubActions', line: 2 },
    ]);
  });

  it('counts lines ending in \\r\\n as written', () => {
    expect(read({ 'role-to-assume': `${A}\r\n\r\n${B}` }).nextHops[0]?.line).toBe(3);
  });

  it(`accepts ${MAX_CHAIN} roles`, () => {
    expect(read({ 'role-to-assume': lines(...roles(MAX_CHAIN)) }).nextHops).toHaveLength(MAX_CHAIN - 1);
  });

  it.each<[string, string, string]>([
    [
      'a bare role name after line 1',
      lines(A, 'deploy'),
      'role-to-assume line 2: "deploy" is not a role ARN: every line of a chain must be a full role ARN like arn:aws:iam::123456789012:role/deploy',
    ],
    [
      'a bare role name on line 1',
      lines('# first', 'deploy external-id=abc', B),
      'role-to-assume line 2: "deploy" is not a role ARN: every line of a chain must be a full role ARN like arn:aws:iam::123456789012:role/deploy',
    ],
    [
      'a user ARN',
      lines(A, 'arn:aws:iam::123456789012:user/ci'),
      'role-to-assume line 2: "arn:aws:iam::123456789012:user/ci" is not a role ARN: every line of a chain must be a full role ARN like arn:aws:iam::123456789012:role/deploy',
    ],
    [
      'a role of another partition',
      lines(A, '', 'arn:aws-us-gov:iam::123456789012:role/gov'),
      'role-to-assume line 3: "arn:aws-us-gov:iam::123456789012:role/gov" is in partition aws-us-gov, but aws-region us-east-1 is in partition aws: use a role ARN of that partition',
    ],
    [
      `${MAX_CHAIN + 1} roles`,
      lines('# eleven', ...roles(MAX_CHAIN + 1)),
      'role-to-assume line 12: a chain may have at most 10 roles, and this is role 11',
    ],
    [
      'a word without = after a role',
      lines(A, `${B} s3cr3t`),
      'role-to-assume line 2: after the role ARN only external-id=VALUE and session-name=VALUE may follow, got a word of 6 characters without "="',
    ],
    [
      'an unknown setting on line 2',
      lines(A, `${B} duration=900`),
      'role-to-assume line 2: unknown setting "duration": the accepted settings are external-id=VALUE and session-name=VALUE',
    ],
    [
      'an external id of 1 character on line 2',
      lines(A, `${B} external-id=q`),
      'role-to-assume line 2: external-id must be 2 to 1224 letters, digits or _+=,.@:/- characters, got 1 character',
    ],
  ])('refuses %s', (_what, value, message) => {
    expect(refusal({ 'role-to-assume': value })).toEqual(['role-to-assume', message]);
  });

  it('refuses role-duration-seconds over 3600, and accepts 3600', () => {
    expect(refusal({ 'role-to-assume': lines(A, B, C), 'role-duration-seconds': '3601' })).toEqual([
      'role-duration-seconds',
      "role-duration-seconds must be at most 3600 with a chain in role-to-assume (3 roles): STS limits the session of a role assumed with another role's session to one hour, got 3601",
    ]);
    expect(read({ 'role-to-assume': lines(A, B), 'role-duration-seconds': '3600' }).roleDurationSeconds).toBe(
      3600,
    );
  });

  it("checks allowed-account-ids against the chain's last role, not the hub it goes through", () => {
    const chain = lines(A, B);
    expect(read({ 'role-to-assume': chain, 'allowed-account-ids': '210987654321' }).nextHops).toHaveLength(1);
    expect(refusal({ 'role-to-assume': chain, 'allowed-account-ids': '123456789012' })).toEqual([
      'allowed-account-ids',
      "role-to-assume line 2 (the chain's last role) is in account 210987654321, which is not in allowed-account-ids (123456789012)",
    ]);
  });
});

describe('profiles', () => {
  it('reads NAME: ROLE_ARN lines with their settings, numbered as written', () => {
    const config = read({
      'role-to-assume': A,
      'role-session-name': 'base-name',
      profiles: lines(
        '# one profile a spoke',
        `dev: ${B}`,
        '',
        `Prod_1.eu-west:${C} external-id=prod-id session-name=prod-session`,
        `  a   :   ${B}  `,
      ),
    });
    expect(config.profiles).toEqual([
      { name: 'dev', roleArn: B, externalId: undefined, sessionName: 'base-name', line: 2 },
      {
        name: 'Prod_1.eu-west',
        roleArn: C,
        externalId: 'prod-id',
        sessionName: 'prod-session',
        line: 4,
      },
      { name: 'a', roleArn: B, externalId: undefined, sessionName: 'base-name', line: 5 },
    ]);
  });

  it('is empty when not set', () => {
    expect(read({}).profiles).toEqual([]);
  });

  it('does not take role-external-id: that is for role-to-assume', () => {
    const config = read({ 'role-to-assume': A, 'role-external-id': 'input-id', profiles: `dev: ${B}` });
    expect(config.profiles[0]?.externalId).toBeUndefined();
  });

  it(`accepts ${MAX_PROFILES} profiles and a name of 64 characters`, () => {
    const many = roles(MAX_PROFILES).map((arn, i) => `p${i}: ${arn}`);
    expect(read({ profiles: lines(...many) }).profiles).toHaveLength(MAX_PROFILES);
    expect(read({ profiles: `${'n'.repeat(64)}: ${B}` }).profiles[0]?.name).toBe('n'.repeat(64));
  });

  it('reserves the profile the action writes for AWS_PROFILE', () => {
    expect(RESERVED_PROFILE).toBe(ENVIRONMENT_PROFILE);
  });

  const written = 'a profile is written NAME: ROLE_ARN, like deploy: arn:aws:iam::123456789012:role/deploy';
  const badName = (name: string): string =>
    `profiles line 1: the profile name "${name}" must be 1 to 64 letters, digits or _.- characters, starting with a letter or digit`;
  it.each<[string, Inputs, string]>([
    [
      'a line without ":" after the name',
      { profiles: `dev ${B}` },
      `profiles line 1: ${written}, but this line has no ":" after the name`,
    ],
    [
      'a line without ":"',
      { profiles: 'dev deploy' },
      `profiles line 1: ${written}, but this line has no ":" after the name`,
    ],
    [
      'a line that starts with the ARN',
      { profiles: lines(`dev: ${A}`, B) },
      `profiles line 2: the line starts with a role ARN, but ${written}`,
    ],
    ['a name starting with -', { profiles: `-dev: ${B}` }, badName('-dev')],
    ['a name with a space', { profiles: `my dev: ${B}` }, badName('my dev')],
    ['a name with a slash', { profiles: `a/b: ${B}` }, badName('a/b')],
    ['a name of 65 characters', { profiles: `${'n'.repeat(65)}: ${B}` }, badName('n'.repeat(65))],
    ['an empty name', { profiles: `: ${B}` }, badName('')],
    [
      'a name twice',
      { profiles: lines(`dev: ${A}`, '# again', `dev: ${B}`) },
      'profiles line 3: profile "dev" is already on line 1',
    ],
    [
      "aws-profile's name",
      { 'role-to-assume': A, 'aws-profile': 'ci', profiles: `ci: ${B}` },
      'profiles line 1: profile "ci" is also the name of aws-profile: give it another name',
    ],
    [
      'the reserved name',
      { profiles: `assume-aws-role-env: ${B}` },
      'profiles line 1: profile "assume-aws-role-env" is reserved: the action writes a profile of that name itself',
    ],
    [
      'a bare role name',
      { profiles: 'dev: deploy' },
      'profiles line 1: "deploy" is not a role ARN: every profile needs a full role ARN like arn:aws:iam::123456789012:role/deploy',
    ],
    [
      'no role at all',
      { profiles: 'dev:' },
      'profiles line 1: "" is not a role ARN: every profile needs a full role ARN like arn:aws:iam::123456789012:role/deploy',
    ],
    [
      'a role of another partition',
      { profiles: 'dev: arn:aws-cn:iam::123456789012:role/x' },
      'profiles line 1: "arn:aws-cn:iam::123456789012:role/x" is in partition aws-cn, but aws-region us-east-1 is in partition aws: use a role ARN of that partition',
    ],
    [
      `${MAX_PROFILES + 1} profiles`,
      { profiles: lines(...roles(MAX_PROFILES + 1).map((arn, i) => `p${i}: ${arn}`)) },
      'profiles line 21: at most 20 profiles are accepted, and this is profile 21',
    ],
    [
      'an unknown setting',
      { profiles: `dev: ${B} region=eu-west-1` },
      'profiles line 1: unknown setting "region": the accepted settings are external-id=VALUE and session-name=VALUE',
    ],
    [
      'a setting twice',
      { profiles: `dev: ${B} external-id=abc external-id=abc` },
      'profiles line 1: external-id is set twice on this line',
    ],
    [
      'a word without =',
      { profiles: `dev: ${B} abc` },
      'profiles line 1: after the role ARN only external-id=VALUE and session-name=VALUE may follow, got a word of 3 characters without "="',
    ],
    [
      'an external id with another character',
      { profiles: `dev: ${B} external-id=s3cr3t;x` },
      'profiles line 1: external-id must be 2 to 1224 letters, digits or _+=,.@:/- characters, got 8 characters, not all of them allowed',
    ],
    [
      'a session name of 65 characters',
      { profiles: `dev: ${B} session-name=${'s'.repeat(65)}` },
      `profiles line 1: session-name must be 2 to 64 letters, digits or _+=,.@- characters, got "${'s'.repeat(65)}"`,
    ],
  ])('refuses %s', (_what, inputs, message) => {
    expect(refusal(inputs)).toEqual(['profiles', message]);
  });

  it("refuses role-duration-seconds over 3600 when the profiles are assumed with role-to-assume's session", () => {
    expect(refusal({ 'role-to-assume': A, profiles: `dev: ${B}`, 'role-duration-seconds': '7200' })).toEqual([
      'role-duration-seconds',
      "role-duration-seconds must be at most 3600 with profiles: their roles are assumed with role-to-assume's session, and STS limits such sessions to one hour, got 7200",
    ]);
  });

  it('accepts a longer session without role-to-assume: the profiles come from the source credentials', () => {
    expect(
      read({ ...KEYS, profiles: `dev: ${B}`, 'role-duration-seconds': '7200' }).roleDurationSeconds,
    ).toBe(7200);
  });

  it("checks every profile's account against allowed-account-ids", () => {
    expect(
      refusal({
        'role-to-assume': A,
        'allowed-account-ids': '123456789012',
        profiles: lines(`hub: ${A}`, `dev: ${B}`),
      }),
    ).toEqual([
      'allowed-account-ids',
      'profiles line 2: profile "dev" is in account 210987654321, which is not in allowed-account-ids (123456789012)',
    ]);
  });

  it('stands in for role-to-assume with web-identity-token-file and refresh-credentials', () => {
    const config = read(
      { profiles: `dev: ${B}`, 'web-identity-token-file': 'token', 'refresh-credentials': 'true' },
      { ...RUN, GITHUB_WORKSPACE: '/workspace' },
    );
    expect(config).toMatchObject({ roleToAssume: undefined, refreshCredentials: true });
    expect(refusal({ 'web-identity-token-file': 'token' })).toEqual([
      'web-identity-token-file',
      'web-identity-token-file needs role-to-assume or profiles: set the role the token should assume',
    ]);
  });
});

describe('role-session-name-template', () => {
  it('fills in every placeholder from the run', () => {
    const template = TEMPLATE_PLACEHOLDERS.join('.');
    expect(template).toBe(
      '{run_id}.{run_attempt}.{run_number}.{job}.{workflow}.{repository}.{repository_name}.{actor}.{sha}.{ref_name}',
    );
    const config = read({ 'role-session-name-template': template });
    // "octo-org/octo-repo" has a / (made -); the name is then cut to 64 characters.
    expect(config.roleSessionName).toBe(
      '4242.1.17.deploy.Release.octo-org-octo-repo.octo-repo.octocat.0123456.main'.slice(0, 64),
    );
    expect(config.sessionNameNote).toBe(
      // A template of more than 80 characters is shortened in the log line.
      `Session name ${config.roleSessionName} (from role-session-name-template "${template.slice(0, 77)}...", made to fit STS's rules)`,
    );
  });

  it('logs where the name came from, without "made to fit" when nothing had to change', () => {
    expect(read({ 'role-session-name-template': 'gha-{run_id}-{run_attempt}' })).toMatchObject({
      roleSessionName: 'gha-4242-1',
      sessionNameNote:
        'Session name gha-4242-1 (from role-session-name-template "gha-{run_id}-{run_attempt}")',
    });
    expect(read({}).sessionNameNote).toBeUndefined();
    expect(read({ 'role-session-name': 'mine' }).sessionNameNote).toBeUndefined();
  });

  it("makes the name fit STS's rules: - for other characters, no runs of -, at most 64 characters", () => {
    const config = read(
      { 'role-session-name-template': '{workflow}--{ref_name}' },
      { GITHUB_WORKFLOW: 'Build & test 🚀', GITHUB_REF_NAME: `feature/${'x'.repeat(80)}` },
    );
    expect(config.roleSessionName).toBe(`Build-test-feature-${'x'.repeat(80)}`.slice(0, 64));
    expect(config.sessionNameNote).toMatch(/, made to fit STS's rules\)$/);
    expect(fitSessionName('a  b--c\u0000d€e_+=,.@-')).toBe('a-b-c-d-e_+=,.@-');
  });

  it('is the base session name of every role and profile without its own session-name=', () => {
    const config = read({
      'role-session-name-template': 'gha-{run_id}',
      'role-to-assume': lines(A, B, `${C} session-name=own`),
      profiles: `dev: ${B}`,
    });
    expect(config.roleSessionName).toBe('gha-4242');
    expect(config.nextHops.map((hop) => hop.sessionName)).toEqual(['gha-4242', 'own']);
    expect(config.profiles[0]?.sessionName).toBe('gha-4242');
  });

  it('leaves line 1 its own session-name=', () => {
    const config = read({
      'role-session-name-template': 'gha-{run_id}',
      'role-to-assume': `${A} session-name=x1`,
    });
    expect(config.roleSessionName).toBe('x1');
  });

  it.each<[string, Inputs, NodeJS.ProcessEnv, string]>([
    [
      'an unknown placeholder',
      { 'role-session-name-template': 'gha-{branch}' },
      RUN,
      'role-session-name-template has an unknown placeholder "{branch}": the known ones are {run_id}, {run_attempt}, {run_number}, {job}, {workflow}, {repository}, {repository_name}, {actor}, {sha}, {ref_name}',
    ],
    [
      'a placeholder in capitals',
      { 'role-session-name-template': '{RUN_ID}' },
      RUN,
      'role-session-name-template has an unknown placeholder "{RUN_ID}": the known ones are {run_id}, {run_attempt}, {run_number}, {job}, {workflow}, {repository}, {repository_name}, {actor}, {sha}, {ref_name}',
    ],
    [
      'a placeholder named after an object property',
      { 'role-session-name-template': '{constructor}' },
      RUN,
      'role-session-name-template has an unknown placeholder "{constructor}": the known ones are {run_id}, {run_attempt}, {run_number}, {job}, {workflow}, {repository}, {repository_name}, {actor}, {sha}, {ref_name}',
    ],
    [
      'a name of fewer than 2 characters',
      { 'role-session-name-template': '{job}{actor}' },
      { GITHUB_ACTOR: 'x' },
      'role-session-name-template "{job}{actor}" makes the session name "x", but a session name needs at least 2 characters (empty in this run: {job})',
    ],
    [
      'a name that is one -',
      { 'role-session-name-template': '€ 🚀' },
      RUN,
      'role-session-name-template "€ 🚀" makes the session name "-", but a session name needs at least 2 characters',
    ],
    [
      'role-session-name as well',
      { 'role-session-name-template': 'gha-{run_id}', 'role-session-name': 'mine' },
      RUN,
      'role-session-name-template and role-session-name both set the session name: set only one of them',
    ],
    [
      'two lines',
      { 'role-session-name-template': 'gha-{run_id}\n{job}' },
      RUN,
      'role-session-name-template must be a single line, but it holds a line break',
    ],
  ])('refuses %s', (_what, inputs, env, message) => {
    expect(refusal(inputs, env)).toEqual(['role-session-name-template', message]);
  });

  it('names the variable role-session-name came from', () => {
    expect(
      refusal({ 'role-session-name-template': 'gha-{run_id}', 'role-session-name': 'from-env' }, RUN, {
        'role-session-name': 'ROLE_SESSION_NAME',
      }),
    ).toEqual([
      'role-session-name-template',
      'role-session-name-template and role-session-name both set the session name (role-session-name from the ROLE_SESSION_NAME variable): set only one of them',
    ]);
  });
});

describe('role-source-identity', () => {
  it.each(['ab', 'ci_user+=,.@-', 's'.repeat(64), 'awsci', 'aws-ci'])('accepts %s', (value) => {
    expect(read({ 'role-source-identity': value }).roleSourceIdentity).toBe(value);
  });

  it('is undefined when not set', () => {
    expect(read({}).roleSourceIdentity).toBeUndefined();
  });

  it.each(['aws:ci', 'AWS:ci', 'Aws:'])('refuses %s: AWS reserves the prefix', (value) => {
    expect(refusal({ 'role-source-identity': value })).toEqual([
      'role-source-identity',
      `role-source-identity must not start with "aws:", which AWS reserves, got "${value}"`,
    ]);
  });

  it.each(['a', 's'.repeat(65), 'has space', 'a:b', 'ünï'])('refuses %j', (value) => {
    expect(refusal({ 'role-source-identity': value })).toEqual([
      'role-source-identity',
      `role-source-identity must be 2 to 64 letters, digits or _+=,.@- characters, not starting with aws:, got ${JSON.stringify(value)}`,
    ]);
  });
});

describe('profile-location', () => {
  it.each<[string, 'home' | 'job']>([
    ['', 'home'],
    ['home', 'home'],
    ['job', 'job'],
  ])('reads %j as %s', (value, location) => {
    expect(read({ 'profile-location': value }).profileLocation).toBe(location);
  });

  it.each(['Job', 'HOME', 'runner', 'job home', '~/.aws'])('refuses %j', (value) => {
    expect(refusal({ 'profile-location': value })).toEqual([
      'profile-location',
      `profile-location must be home or job, got ${JSON.stringify(value)}`,
    ]);
  });
});
