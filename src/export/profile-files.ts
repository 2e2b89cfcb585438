import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
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
import { ActionError, InputError } from '../errors.js';
import { homeDir } from './platform.js';
import { withLock } from './file-lock.js';
import { linkedFolder } from '../safe-paths.js';
import type { AwsCredentials } from '../sts/client.js';

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
  input: 'aws-profile' | 'profiles' = 'aws-profile',
): void {
  const files = profileFilePaths(env, platform);
  const home = homeDir(env, platform);
  const names = profileHeaders(profile);
  for (const kind of ['credentials', 'config'] as const) {
    const text = readUnlessLink(files[kind], home);
    if (text === undefined || overwrite) continue;
    const lines = text.split('\n');
    const found = findSections(lines, names[kind]);
    if (found.some(({ start, end }) => !lines.slice(start, end).includes(STUB_MARKER))) {
      throw new InputError(
        input,
        input === 'aws-profile'
          ? `aws-profile "${profile}" already exists in ${files[kind]}: choose another aws-profile, or set overwrite-aws-profile: true to replace it`
          : `profiles: profile "${profile}" already exists in ${files[kind]}: choose another name, set overwrite-aws-profile: true to replace it, or use profile-location: job`,
      );
    }
  }
}

/** Whether either shared file has the profile; undefined when the files can't be read (then nobody knows). */
export function profileExists(
  profile: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): boolean | undefined {
  const files = profileFilePaths(env, platform);
  const names = profileHeaders(profile);
  try {
    return (['credentials', 'config'] as const).some((kind) => {
      const text = readUnlessLink(files[kind], homeDir(env, platform));
      return text !== undefined && findSections(text.split('\n'), names[kind]).length > 0;
    });
  } catch {
    return undefined;
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
  return writeProfiles([{ profile, credentials }], region, env, platform);
}

/** Writes several profiles' credentials and region; all or nothing: one that fails takes the others back out. */
export function writeProfiles(
  profiles: readonly { readonly profile: string; readonly credentials: AwsCredentials }[],
  region: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): WrittenSection[] {
  const files = profileFilePaths(env, platform);
  const credentialLines = (credentials: AwsCredentials) => [
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    ...(credentials.sessionToken !== undefined ? [`aws_session_token = ${credentials.sessionToken}`] : []),
  ];
  return writeSections(
    profiles.flatMap(({ profile, credentials }): SectionToWrite[] => [
      { file: files.credentials, profile, kind: 'credentials', lines: credentialLines(credentials) },
      { file: files.config, profile, kind: 'config', lines: [`region = ${region}`] },
    ]),
    homeDir(env, platform),
  );
}

/** Writes one profile section into the config file (nothing secret in it, like a credential_process line). */
export function writeConfigProfile(
  profile: string,
  lines: readonly string[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): WrittenSection[] {
  return writeSections(
    [{ file: profileFilePaths(env, platform).config, profile, kind: 'config', lines }],
    homeDir(env, platform),
  );
}

/**
 * Removes the sections the action wrote, where they are still exactly what it wrote and no link leads to them;
 * returns the ones it left, and why. Deletes files and folders it created that are left empty.
 */
export function removeSections(
  sections: readonly WrittenSection[],
  home?: string,
): Array<{ section: WrittenSection; why: string }> {
  const kept: Array<{ section: WrittenSection; why: string }> = [];
  for (const section of sections) {
    try {
      refuseLinkedFolder(section.file, home);
      if (!existsSync(path.dirname(section.file))) continue;
      withLock(section.file, () => {
        const text = readUnlessLink(section.file, home);
        if (text === undefined) return;
        const lines = text.split('\n');
        const found = findSections(lines, section.header);
        if (found.length === 0) return;
        if (!found.every(({ start, end }) => sectionDigest(lines.slice(start, end)) === section.digest)) {
          kept.push({ section, why: 'it is no longer what the main step wrote' });
          return;
        }
        const remaining = withoutSection(lines, section.header).join('\n');
        if (section.created && remaining.trim() === '') unlinkSync(section.file);
        else writeAtomically(section.file, remaining, home);
      });
    } catch (error) {
      if (!(error instanceof ActionError)) throw error;
      kept.push({ section, why: error.message });
    }
  }
  const left = new Set(kept.map(({ section }) => section));
  const removed = sections.filter((section) => !left.has(section));
  for (const folder of new Set(removed.flatMap((s) => (s.createdFolder ? [s.createdFolder] : []))))
    removeEmptyFolders(folder, removed);
  return kept;
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
export function keepProfileNamed(
  profile: string,
  region: string | undefined,
  configFile: string,
  home?: string,
): boolean {
  const header = profileHeaders(profile).config;
  refuseLinkedFolder(configFile, home);
  makeFolder(path.dirname(configFile));
  return withLock(configFile, () => {
    const text = readUnlessLink(configFile, home) ?? '';
    if (findSections(text.split('\n'), header).length > 0) return false;
    replaceSectionLocked(
      configFile,
      header,
      [STUB_MARKER, ...(region !== undefined ? [`region = ${region}`] : [])],
      home,
    );
    return true;
  });
}

type SectionToWrite = {
  file: string;
  profile: string;
  kind: 'credentials' | 'config';
  lines: readonly string[];
};

function writeSections(sections: readonly SectionToWrite[], home: string): WrittenSection[] {
  const written: WrittenSection[] = [];
  // A file an earlier section of this write created counts as created for the later ones too: the post step
  // deletes it once the last of them is gone, instead of leaving it empty.
  const createdHere = new Set<string>();
  try {
    for (const { file, profile, kind, lines } of sections) {
      refuseLinkedFolder(file, home);
      const createdFolder = makeFolder(path.dirname(file));
      const header = profileHeaders(profile)[kind];
      const replaced = replaceSection(file, header, lines, home);
      if (replaced.created) createdHere.add(path.resolve(file));
      written.push({
        ...replaced,
        created: createdHere.has(path.resolve(file)),
        profile,
        ...(createdFolder !== undefined && { createdFolder }),
        digest: sectionDigest([`[${header}]`, ...lines]),
      });
    }
  } catch (error) {
    removeSections(written, home);
    throw error;
  }
  return written;
}

/** Replaces (or adds) one section, other writers kept out by the file's lock. */
function replaceSection(
  file: string,
  header: string,
  lines: readonly string[],
  home: string | undefined,
): { file: string; header: string; created: boolean } {
  refuseLinkedFolder(file, home);
  makeFolder(path.dirname(file));
  return withLock(file, () => replaceSectionLocked(file, header, lines, home));
}

function replaceSectionLocked(
  file: string,
  header: string,
  lines: readonly string[],
  home: string | undefined,
): { file: string; header: string; created: boolean } {
  const before = readUnlessLink(file, home);
  const kept = before === undefined ? [] : withoutSection(before.split('\n'), header);
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const text = [...kept, ...(kept.length > 0 ? [''] : []), `[${header}]`, ...lines, ''].join('\n');
  writeAtomically(file, text, home);
  return { file, header, created: before === undefined };
}

/**
 * The file's text, undefined when it does not exist; refuses symbolic links, and files reached through a linked
 * folder (its own folder, or any folder between the home folder and it).
 */
function readUnlessLink(file: string, home: string | undefined): string | undefined {
  refuseLinkedFolder(file, home);
  try {
    const stats = lstatSync(file);
    if (stats.isSymbolicLink()) {
      throw new ActionError(
        `${file} is a symbolic link; the action does not write credentials through links: point AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE at a regular file`,
      );
    }
    if (!stats.isFile()) {
      throw new ActionError(
        `${file} is a folder or another kind of file, not a file of profiles: point AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE at a regular file`,
      );
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return readFileSync(file, 'utf8');
}

function refuseLinkedFolder(file: string, home: string | undefined): void {
  const folder = linkedFolder(file, { within: home });
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
function writeAtomically(file: string, text: string, home: string | undefined): void {
  makeFolder(path.dirname(file));
  refuseLinkedFolder(file, home);
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
