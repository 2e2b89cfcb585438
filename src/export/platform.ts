import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// What differs between the runners' operating systems (ubuntu-, windows- and macos-latest): where the home
// folder is, what protects a file, how a credential_process line is split, and Git Bash's path conversion.
// Every function takes the platform, so tests run each one's rules on any machine.

/**
 * The home folder the AWS tools look in for ~/.aws. On Windows that is USERPROFILE (then HOMEDRIVE+HOMEPATH),
 * as Python's expanduser reads it for the AWS CLI and boto3, and as os.homedir() does; elsewhere HOME.
 */
export function homeDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') {
    const fromDrive = env.HOMEDRIVE && env.HOMEPATH ? `${env.HOMEDRIVE}${env.HOMEPATH}` : '';
    return env.USERPROFILE || fromDrive || os.homedir();
  }
  return env.HOME || os.homedir();
}

/** What keeps a credentials file private, for the log: a mode on POSIX, the folder's access list on Windows. */
export function fileProtection(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32'
    ? "Windows ignores file modes: the file inherits its folder's access control list (under %USERPROFILE%, only you, SYSTEM and Administrators)"
    : 'mode 0600, readable by the runner user only';
}

/** A credential_process value, and the shim file it needs on Windows. */
export interface CredentialProcess {
  /** The `credential_process = …` value. */
  readonly line: string;
  /** The .cmd file written for it (Windows only). */
  readonly shim?: string;
}

/**
 * The credential_process line that runs `node script ...args` (args must be plain words). On POSIX each path is
 * double-quoted, which the AWS CLI's shlex, sh -c (JS and Go SDKs) and the .NET SDK all read back. Windows
 * tools split the line differently (cmd.exe /C drops the outer quotes of a line with more than two, so a quoted
 * path with a space breaks the Go SDK and the PowerShell tools): there the line is one path to a .cmd shim
 * written in `dir`, which holds the command itself.
 */
export function credentialProcess(
  { node, script, args, dir }: { node: string; script: string; args: readonly string[]; dir: string },
  platform: NodeJS.Platform = process.platform,
): CredentialProcess {
  if (platform !== 'win32') return { line: [`"${node}"`, `"${script}"`, ...args].join(' ') };
  const shim = path.join(dir, 'credential-process.cmd');
  writeFileSync(shim, `@"${node}" "${script}" ${args.join(' ')}\r\n`, { mode: 0o600, flag: 'wx' });
  // One quoted path and nothing else is a form cmd.exe /C keeps as it is.
  return { line: /\s/.test(shim) ? `"${shim}"` : shim, shim };
}

/**
 * Git Bash (MSYS2) on Windows rewrites environment values that look like POSIX paths when it starts a Windows
 * program, so a secret key starting with `/` reaches `aws.exe` as `C:/Program Files/Git/…` (configure-aws-
 * credentials issue #528). MSYS2_ENV_CONV_EXCL lists variables it must leave alone: the value with the credential
 * variables added to what the job had, or undefined when nothing needs adding (or not on Windows).
 */
export function msysExclusions(
  current: string | undefined,
  names: readonly string[],
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  if (platform !== 'win32') return undefined;
  const listed = (current ?? '').split(';').filter((name) => name !== '');
  const missing = names.filter((name) => !listed.includes(name));
  return missing.length === 0 ? undefined : [...listed, ...missing].join(';');
}
