import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import * as path from 'node:path';
import { ActionError, InputError } from './errors.js';
import { homeDir } from './platform.js';
import { linkedFolder } from './safe-paths.js';
import type { AwsCredentials } from './sts.js';

// The AWS shared credentials and config files are INI files that users also edit by hand. Sections are
// replaced line by line, so comments and everything else in the files stay as they were (an INI library's
// parse-and-serialise round trip would drop comments and read dotted profile names as nested sections).
// Section headers are read the way botocore and the JS SDK read them: `[ profile  dev ]  ; note` is profile dev.

/** One section the action wrote, enough for the post step to remove it. */
export interface WrittenSection {
  readonly file: string;
  readonly header: string;
  /** The profile the section belongs to. */
  readonly profile: string;
  /** The file did not exist before: the post step deletes it when nothing else is left in it. */
  readonly created: boolean;
  /** The outermost folder the action created for the file (like ~/.aws): removed when the post step empties it. */
  readonly createdFolder?: string;
  /** sha256 of the section as written: the post step removes only a section that is still exactly this. */
  readonly digest: string;
}

/** A comment line marking a section the post step left so that AWS_PROFILE still names a profile. */
export const STUB_MARKER =
  '# Left by the assume-aws-role post step: AWS_PROFILE still names this profile for the rest of the job; it holds no credentials.';

/** The shared credentials and config file paths, honouring AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE. */
export function profileFilePaths(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): { credentials: string; config: string } {
  const home = homeDir(env, platform);
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || path.join(home, '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || path.join(home, '.aws', 'config'),
  };
}

/** The section names of a profile: `[name]` in the credentials file, `[profile name]` (or `[default]`) in config. */
export function profileHeaders(profile: string): { credentials: string; config: string } {
  return { credentials: profile, config: profile === 'default' ? 'default' : `profile ${profile}` };
}

/**
 * Refuses links and, unless `overwrite`, profiles that exist already — checked before any network call. A stub
 * the post step of an earlier run left (STUB_MARKER) is not a profile of the user's and may be replaced.
 */
export function checkProfileWritable(
  profile: string,
  env: NodeJS.ProcessEnv,
  overwrite: boolean,
  platform: NodeJS.Platform = process.platform,
): void {
  const files = profileFilePaths(env, platform);
  const names = profileHeaders(profile);
  for (const kind of ['credentials', 'config'] as const) {
    const text = readUnlessLink(files[kind]);
    if (text === undefined || overwrite) continue;
    const lines = text.split('\n');
    const found = findSections(lines, names[kind]);
    if (found.some(({ start, end }) => !lines.slice(start, end).includes(STUB_MARKER))) {
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
  platform: NodeJS.Platform = process.platform,
): WrittenSection[] {
  const files = profileFilePaths(env, platform);
  const credentialLines = [
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    ...(credentials.sessionToken !== undefined ? [`aws_session_token = ${credentials.sessionToken}`] : []),
  ];
  return writeSections([
    { file: files.credentials, profile, kind: 'credentials', lines: credentialLines },
    { file: files.config, profile, kind: 'config', lines: [`region = ${region}`] },
  ]);
}

/** Writes one profile section into the config file (nothing secret in it, like a credential_process line). */
export function writeConfigProfile(
  profile: string,
  lines: readonly string[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): WrittenSection[] {
  return writeSections([{ file: profileFilePaths(env, platform).config, profile, kind: 'config', lines }]);
}

/**
 * Removes the sections the action wrote, where they are still exactly what it wrote (else they are left, and
 * returned); deletes files and folders it created that are left empty.
 */
export function removeSections(sections: readonly WrittenSection[]): WrittenSection[] {
  const changed: WrittenSection[] = [];
  for (const section of sections) {
    const text = readUnlessLink(section.file);
    if (text === undefined) continue;
    const lines = text.split('\n');
    const found = findSections(lines, section.header);
    if (found.length === 0) continue;
    if (!found.every(({ start, end }) => sectionDigest(lines.slice(start, end)) === section.digest)) {
      changed.push(section);
      continue;
    }
    const remaining = withoutSection(lines, section.header).join('\n');
    if (section.created && remaining.trim() === '') unlinkSync(section.file);
    else writeAtomically(section.file, remaining);
  }
  for (const folder of new Set(sections.flatMap((s) => (s.createdFolder ? [s.createdFolder] : []))))
    removeEmptyFolders(folder, sections);
  return changed;
}

/** A section's lines (header included, trailing blank lines not), as one sha256. */
function sectionDigest(lines: readonly string[]): string {
  const kept = [...lines];
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  return createHash('sha256').update(kept.join('\n')).digest('hex');
}

/**
 * Makes sure `profile` is still a profile of `configFile` (a stub with its region and STUB_MARKER, no
 * credentials), so a later tool given AWS_PROFILE finds it and then looks for credentials elsewhere, instead of
 * failing "The config profile (…) could not be found". Returns whether it wrote one.
 */
export function keepProfileNamed(profile: string, region: string | undefined, configFile: string): boolean {
  const text = readUnlessLink(configFile) ?? '';
  if (findSections(text.split('\n'), profileHeaders(profile).config).length > 0) return false;
  replaceSection(configFile, profileHeaders(profile).config, [
    STUB_MARKER,
    ...(region !== undefined ? [`region = ${region}`] : []),
  ]);
  return true;
}

type SectionToWrite = {
  file: string;
  profile: string;
  kind: 'credentials' | 'config';
  lines: readonly string[];
};

function writeSections(sections: readonly SectionToWrite[]): WrittenSection[] {
  const written: WrittenSection[] = [];
  try {
    for (const { file, profile, kind, lines } of sections) {
      const createdFolder = makeFolder(path.dirname(file));
      const header = profileHeaders(profile)[kind];
      written.push({
        ...replaceSection(file, header, lines),
        profile,
        ...(createdFolder !== undefined && { createdFolder }),
        digest: sectionDigest([`[${header}]`, ...lines]),
      });
    }
  } catch (error) {
    removeSections(written);
    throw error;
  }
  return written;
}

function replaceSection(
  file: string,
  header: string,
  lines: readonly string[],
): { file: string; header: string; created: boolean } {
  const before = readUnlessLink(file);
  const kept = before === undefined ? [] : withoutSection(before.split('\n'), header);
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const text = [...kept, ...(kept.length > 0 ? [''] : []), `[${header}]`, ...lines, ''].join('\n');
  writeAtomically(file, text);
  return { file, header, created: before === undefined };
}

/** The file's text, undefined when it does not exist; refuses symbolic links, and files in a linked folder. */
function readUnlessLink(file: string): string | undefined {
  refuseLinkedFolder(file);
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

function refuseLinkedFolder(file: string): void {
  const folder = linkedFolder(file);
  if (folder !== undefined) {
    throw new ActionError(
      `${folder} is a symbolic link; the action does not write credentials through links: make it a real folder, or point AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE at files in one`,
    );
  }
}

/**
 * A section header's name as botocore and the JS SDK read it, or undefined for any other line: an inline
 * `;` or `#` comment after white space is dropped, and the words inside the brackets are joined by one space.
 */
export function headerName(line: string): string | undefined {
  const text = line.split(/(?:^|\s)[;#]/)[0]!.trim();
  if (!text.startsWith('[') || !text.endsWith(']')) return undefined;
  return text.slice(1, -1).trim().split(/\s+/).join(' ');
}

/** Every section with this header (a file edited by hand can have one twice), first to last. */
function findSections(lines: readonly string[], header: string): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  lines.forEach((line, start) => {
    if (headerName(line) !== header) return;
    const next = lines.findIndex((other, i) => i > start && headerName(other) !== undefined);
    found.push({ start, end: next === -1 ? lines.length : next });
  });
  return found;
}

function withoutSection(lines: readonly string[], header: string): string[] {
  const drop = new Set(
    findSections(lines, header).flatMap(({ start, end }) =>
      Array.from({ length: end - start }, (_, i) => start + i),
    ),
  );
  return lines.filter((_, i) => !drop.has(i));
}

/** Creates the folder (0700) if needed; returns the outermost folder it created, if any. */
function makeFolder(dir: string): string | undefined {
  return mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Removes `folder` and the folders below it on the way to the sections' files, innermost first, while empty. */
function removeEmptyFolders(folder: string, sections: readonly WrittenSection[]): void {
  const dirs = new Set<string>();
  for (const { file } of sections) {
    for (
      let dir = path.dirname(file);
      dir === folder || dir.startsWith(folder + path.sep);
      dir = path.dirname(dir)
    )
      dirs.add(dir);
  }
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
    }
  }
}

/** Writes through a 0600 temporary file renamed into place, so a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  makeFolder(path.dirname(file));
  refuseLinkedFolder(file);
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
