import { InputError } from '../errors.js';
import { parsePattern, shown } from './parsers.js';
import { arnPartition, type Partition } from '../partition.js';
import {
  checkFullArn,
  lineError,
  meaningfulLines,
  parseRoleLine,
  ROLE_ARN,
  strayWord,
  type RoleLine,
} from './plan-lines.js';

// The inputs that plan which roles the step assumes: role-to-assume (one role, or a chain of roles each assumed
// with the session of the one before) and profiles (named profiles for later steps), one role a line in the
// syntax of src/inputs/plan-lines.ts.

/** A role of role-to-assume after the first: assumed with the session of the role on the line before it. */
export interface HopSpec {
  readonly roleArn: string;
  /** This line's external-id= (role-external-id applies to the first role only). */
  readonly externalId: string | undefined;
  /** This line's session-name=, else the base session name. */
  readonly sessionName: string;
  /** Its line in role-to-assume, 1-based, as written. */
  readonly line: number;
}

/** A named profile for later steps, `NAME: ROLE_ARN [settings]` in profiles. */
export interface ProfileSpec {
  readonly name: string;
  readonly roleArn: string;
  /** This line's external-id=. */
  readonly externalId: string | undefined;
  /** This line's session-name=, else the base session name. */
  readonly sessionName: string;
  /** Its line in profiles, 1-based, as written. */
  readonly line: number;
}

/** The most roles role-to-assume may chain, and the most profiles. */
export const MAX_CHAIN = 10;
export const MAX_PROFILES = 20;
/** STS's shortest session: what a session that only signs the next hop of a chain needs. */
export const INTERMEDIATE_DURATION_SECONDS = 900;
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** The profile the action writes itself when AWS_PROFILE is set (ENVIRONMENT_PROFILE in exporting.ts). */
export const RESERVED_PROFILE = 'assume-aws-role-env';
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The role-to-assume input, parsed: line 1's role and settings, and the roles chained after it. */
export interface RolePlan {
  /** Line 1's role: a role ARN, or (when it is the only line) a bare role name; undefined when not set. */
  readonly role: string | undefined;
  /** Line 1's external-id=. */
  readonly externalId: string | undefined;
  /** Line 1's session-name=. */
  readonly sessionName: string | undefined;
  readonly nextHops: readonly HopSpec[];
}

/** role-to-assume: one role (an ARN or a bare name, as always), or a chain of 2 to 10 role ARNs. */
export function readRoleToAssume(
  raw: string,
  partition: Partition,
  region: string,
  baseSessionName: string,
): RolePlan {
  const lines = meaningfulLines(raw);
  const [first] = lines;
  if (first === undefined)
    return { role: undefined, externalId: undefined, sessionName: undefined, nextHops: [] };
  const input = 'role-to-assume';
  if (lines.length === 1) {
    const parsed = parseRoleLine(input, first, (word) => {
      // A role with a space in it: refused as before settings existed, quoting the line, unless that would
      // show an external id.
      if (!/(^|\s)external-id=/.test(first.text)) checkRole(first.text, partition, region);
      return strayWord(input, first.line)(word);
    });
    checkRole(parsed.role, partition, region);
    return { ...parsed, nextHops: [] };
  }
  const over = lines[MAX_CHAIN];
  if (over !== undefined)
    throw lineError(
      input,
      over.line,
      `a chain may have at most ${MAX_CHAIN} roles, and this is role ${MAX_CHAIN + 1}`,
    );
  const roles = lines.map((numbered) => {
    const parsed = parseRoleLine(input, numbered, strayWord(input, numbered.line));
    checkFullArn(
      (problem) => lineError(input, numbered.line, problem),
      parsed.role,
      'every line of a chain must be a full role ARN like arn:aws:iam::123456789012:role/deploy',
      partition,
      region,
    );
    return parsed;
  });
  const [head, ...rest] = roles as [RoleLine, ...RoleLine[]];
  return {
    role: head.role,
    externalId: head.externalId,
    sessionName: head.sessionName,
    nextHops: rest.map(({ role, externalId, sessionName, line }) => ({
      roleArn: role,
      externalId,
      sessionName: sessionName ?? baseSessionName,
      line,
    })),
  };
}

/** profiles: `NAME: ROLE_ARN [settings]` a line, at most 20, names unique and not aws-profile's or reserved. */
export function readProfiles(
  raw: string,
  partition: Partition,
  region: string,
  awsProfile: string | undefined,
  baseSessionName: string,
): ProfileSpec[] {
  const input = 'profiles';
  const seen = new Map<string, number>();
  const lines = meaningfulLines(raw);
  const over = lines[MAX_PROFILES];
  if (over !== undefined)
    throw lineError(
      input,
      over.line,
      `at most ${MAX_PROFILES} profiles are accepted, and this is profile ${MAX_PROFILES + 1}`,
    );
  return lines.map(({ line, text }) => {
    const fail = (problem: string): InputError => lineError(input, line, problem);
    const written = 'a profile is written NAME: ROLE_ARN, like deploy: arn:aws:iam::123456789012:role/deploy';
    if (/^arn:aws[-a-z]*:/.test(text)) throw fail(`the line starts with a role ARN, but ${written}`);
    const match = /^([^:]*?)\s*:\s*(.*)$/.exec(text);
    // `dev arn:aws:…` splits at the ARN's first colon: the name's colon is missing.
    if (match === null || /\sarn$/.test(match[1] ?? ''))
      throw fail(`${written}, but this line has no ":" after the name`);
    const [, name = '', rest = ''] = match;
    if (!PROFILE_NAME.test(name))
      throw fail(
        `the profile name ${shown(name)} must be 1 to 64 letters, digits or _.- characters, starting with a letter or digit`,
      );
    const earlier = seen.get(name);
    if (earlier !== undefined) throw fail(`profile ${shown(name)} is already on line ${earlier}`);
    seen.set(name, line);
    if (name === awsProfile)
      throw fail(`profile ${shown(name)} is also the name of aws-profile: give it another name`);
    if (name === RESERVED_PROFILE)
      throw fail(`profile ${shown(name)} is reserved: the action writes a profile of that name itself`);
    const parsed = parseRoleLine(input, { line, text: rest }, strayWord(input, line));
    checkFullArn(
      fail,
      parsed.role,
      'every profile needs a full role ARN like arn:aws:iam::123456789012:role/deploy',
      partition,
      region,
    );
    return {
      name,
      roleArn: parsed.role,
      externalId: parsed.externalId,
      sessionName: parsed.sessionName ?? baseSessionName,
      line,
    };
  });
}

/** A single role-to-assume: a role ARN of the region's partition, or a bare role name. */
export function checkRole(role: string, partition: Partition, region: string): void {
  if (role.startsWith('arn:')) {
    parsePattern(
      'role-to-assume',
      role,
      ROLE_ARN,
      'an IAM role ARN like arn:aws:iam::123456789012:role/deploy, or a bare role name',
    );
    if (arnPartition(role) !== partition.name) {
      throw new InputError(
        'role-to-assume',
        `role-to-assume is in partition ${arnPartition(role)}, but aws-region ${region} is in partition ${partition.name}: use a role ARN of that partition or a region of the role's`,
      );
    }
  } else {
    parsePattern(
      'role-to-assume',
      role,
      ROLE_NAME,
      'an IAM role ARN like arn:aws:iam::123456789012:role/deploy, or a bare role name of 1 to 64 letters, digits or _+=,.@- characters',
    );
  }
}
