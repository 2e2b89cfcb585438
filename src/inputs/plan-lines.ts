import { InputError } from '../errors.js';
import { shown } from './parsers.js';
import { arnPartition, type Partition } from '../partition.js';

// The line syntax profiles and role-to-assume share: `ROLE_ARN [external-id=VALUE] [session-name=VALUE]`, blank
// lines and # comments skipped, each line numbered as written. Errors name the input and the line, and show an
// external id by its length only (it may be secret).

export const ROLE_ARN = /^arn:aws[-a-z]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
export const SESSION_NAME_RULE = '2 to 64 letters, digits or _+=,.@- characters';
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
export const EXTERNAL_ID_RULE = '2 to 1224 letters, digits or _+=,.@:/- characters';

const SETTINGS = ['external-id', 'session-name'] as const;
type Setting = (typeof SETTINGS)[number];
const ACCEPTED_SETTINGS = 'external-id=VALUE and session-name=VALUE';
const isSetting = (key: string): key is Setting => (SETTINGS as readonly string[]).includes(key);

/** A line of a multi-line input: its number as written (1-based) and its trimmed text. */
export interface NumberedLine {
  readonly line: number;
  readonly text: string;
}

/** One role line, its settings checked. */
export interface RoleLine {
  readonly line: number;
  readonly role: string;
  readonly externalId: string | undefined;
  readonly sessionName: string | undefined;
}

/**
 * The lines that count: trimmed, blank ones and # comments dropped, numbered as written. (The runner trims the
 * whole value, so blank lines before the first one are not counted.)
 */
export function meaningfulLines(raw: string): NumberedLine[] {
  return raw
    .split(/\r\n|\r|\n/)
    .map((text, index) => ({ line: index + 1, text: text.trim() }))
    .filter(({ text }) => text !== '' && !text.startsWith('#'));
}

export const lineError = (input: string, line: number, problem: string): InputError =>
  new InputError(input, `${input} line ${line}: ${problem}`);

/** How an error shows a value it must not print: its length only. */
export function sizeOf(value: string, allowedCharacters: boolean): string {
  if (value === '') return 'an empty value';
  const size = `${value.length} character${value.length === 1 ? '' : 's'}`;
  return allowedCharacters ? size : `${size}, not all of them allowed`;
}

/**
 * `ROLE [KEY=VALUE …]`, each setting split at its first `=`. A word without `=` goes to `bareWord`, which throws
 * (a single role-to-assume line reports it as today, as a role with a space in it).
 */
export function parseRoleLine(
  input: string,
  { line, text }: NumberedLine,
  bareWord: (word: string) => never,
): RoleLine {
  const fail = (problem: string): InputError => lineError(input, line, problem);
  const [role = '', ...words] = text.split(/\s+/);
  const leading = role.includes('=') ? role.slice(0, role.indexOf('=')) : '';
  if (isSetting(leading))
    throw fail(`the role ARN comes first, then its settings: the line starts with ${leading}=…`);
  const settings = new Map<Setting, string>();
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals === -1) {
      if (isSetting(word)) throw fail(`${word} needs a value: write ${word}=VALUE, with no space around "="`);
      bareWord(word);
    }
    const key = word.slice(0, equals);
    if (!isSetting(key))
      throw fail(`unknown setting ${shown(key)}: the accepted settings are ${ACCEPTED_SETTINGS}`);
    if (settings.has(key)) throw fail(`${key} is set twice on this line`);
    settings.set(key, word.slice(equals + 1));
  }
  const externalId = settings.get('external-id');
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    const allowed = /^[\w+=,.@:/-]*$/.test(externalId);
    throw fail(`external-id must be ${EXTERNAL_ID_RULE}, got ${sizeOf(externalId, allowed)}`);
  }
  const sessionName = settings.get('session-name');
  if (sessionName !== undefined && !SESSION_NAME.test(sessionName))
    throw fail(`session-name must be ${SESSION_NAME_RULE}, got ${shown(sessionName)}`);
  return { line, role, externalId, sessionName };
}

/** Refuses a word without `=` after the role, by its length only (it may be an external id without its key). */
export const strayWord =
  (input: string, line: number) =>
  (word: string): never => {
    throw lineError(
      input,
      line,
      `after the role ARN only ${ACCEPTED_SETTINGS} may follow, got a word of ${sizeOf(word, true)} without "="`,
    );
  };

/** A full role ARN of the region's partition, as every chained role and every profile needs. */
export function checkFullArn(
  fail: (problem: string) => InputError,
  role: string,
  rule: string,
  partition: Partition,
  region: string,
): void {
  if (!ROLE_ARN.test(role)) throw fail(`${shown(role)} is not a role ARN: ${rule}`);
  if (arnPartition(role) !== partition.name)
    throw fail(
      `${shown(role)} is in partition ${arnPartition(role)}, but aws-region ${region} is in partition ${partition.name}: use a role ARN of that partition`,
    );
}
