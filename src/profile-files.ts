import { randomBytes } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
  closeSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActionError, InputError } from './errors.js';
import type { AwsCredentials } from './sts.js';

// The AWS shared credentials and config files are INI files that users also edit by hand. Sections are
// replaced line by line, so comments and everything else in the files stay as they were (an INI library's
// parse-and-serialise round trip would drop comments and read dotted profile names as nested sections).

/** One section the action wrote, enough for the post step to remove it. */
export interface WrittenSection {
  readonly file: string;
  readonly header: string;
  /** The file did not exist before: the post step deletes it when nothing else is left in it. */
  readonly created: boolean;
}

/** The shared credentials and config file paths, honouring AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE. */
export function profileFilePaths(env: NodeJS.ProcessEnv): { credentials: string; config: string } {
  const home = env.HOME || os.homedir();
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
  };
}

function headers(profile: string): { credentials: string; config: string } {
  return { credentials: profile, config: profile === 'default' ? 'default' : `profile ${profile}` };
}

/** Refuses links and, unless `overwrite`, profiles that exist already — checked before any network call. */
export function checkProfileWritable(profile: string, env: NodeJS.ProcessEnv, overwrite: boolean): void {
  const files = profileFilePaths(env);
  const names = headers(profile);
  for (const kind of ['credentials', 'config'] as const) {
    const text = readUnlessLink(files[kind]);
    if (text !== undefined && !overwrite && findSection(text.split('\n'), names[kind]) !== undefined) {
      throw new InputError(
        'aws-profile',
        `aws-profile "${profile}" already exists in ${files[kind]}: choose another aws-profile, or set overwrite-aws-profile: true to replace it`,
      );
    }
  }
}

/** Writes the profile's credentials and region (files 0600, folders 0700); all or nothing. */
export function writeProfile(
  profile: string,
  credentials: AwsCredentials,
  region: string,
  env: NodeJS.ProcessEnv,
): WrittenSection[] {
  const files = profileFilePaths(env);
  const names = headers(profile);
  const credentialLines = [
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    ...(credentials.sessionToken !== undefined ? [`aws_session_token = ${credentials.sessionToken}`] : []),
  ];
  const written: WrittenSection[] = [];
  try {
    written.push(replaceSection(files.credentials, names.credentials, credentialLines));
    written.push(replaceSection(files.config, names.config, [`region = ${region}`]));
  } catch (error) {
    removeSections(written);
    throw error;
  }
  return written;
}

/** Removes the sections the action wrote; deletes files it created that are left empty. */
export function removeSections(sections: readonly WrittenSection[]): void {
  for (const section of sections) {
    const text = readUnlessLink(section.file);
    if (text === undefined) continue;
    const remaining = withoutSection(text.split('\n'), section.header).join('\n');
    if (section.created && remaining.trim() === '') unlinkSync(section.file);
    else writeAtomically(section.file, remaining);
  }
}

function replaceSection(file: string, header: string, lines: readonly string[]): WrittenSection {
  const before = readUnlessLink(file);
  const kept = before === undefined ? [] : withoutSection(before.split('\n'), header);
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const text = [...kept, ...(kept.length > 0 ? [''] : []), `[${header}]`, ...lines, ''].join('\n');
  writeAtomically(file, text);
  return { file, header, created: before === undefined };
}

/** The file's text, undefined when it does not exist; refuses symbolic links. */
function readUnlessLink(file: string): string | undefined {
  try {
    if (lstatSync(file).isSymbolicLink()) {
      throw new ActionError(
        `${file} is a symbolic link; the action does not write credentials through links: point AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE at a regular file`,
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return readFileSync(file, 'utf8');
}

function findSection(lines: readonly string[], header: string): { start: number; end: number } | undefined {
  const isHeader = (line: string): boolean => /^\s*\[.*\]\s*$/.test(line);
  const start = lines.findIndex((line) => isHeader(line) && line.trim().slice(1, -1).trim() === header);
  if (start === -1) return undefined;
  const next = lines.findIndex((line, i) => i > start && isHeader(line));
  return { start, end: next === -1 ? lines.length : next };
}

function withoutSection(lines: readonly string[], header: string): string[] {
  const found = findSection(lines, header);
  return found === undefined ? [...lines] : [...lines.slice(0, found.start), ...lines.slice(found.end)];
}

/** Writes through a 0600 temporary file renamed into place, so a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
