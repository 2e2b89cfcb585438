import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { credentialProcess, fileProtection, homeDir, msysExclusions } from '../../src/export/platform.js';

// The operating-system rules, each run on this machine with the platform given.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'platform-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('homeDir', () => {
  it.each([
    [
      'win32',
      { USERPROFILE: 'C:\\Users\\a', HOMEDRIVE: 'D:', HOMEPATH: '\\b', HOME: '/c/x' },
      'C:\\Users\\a',
    ],
    ['win32', { HOMEDRIVE: 'D:', HOMEPATH: '\\Users\\b', HOME: '/c/x' }, 'D:\\Users\\b'],
    ['linux', { HOME: '/home/runner', USERPROFILE: 'C:\\Users\\a' }, '/home/runner'],
    ['darwin', { HOME: '/Users/runner' }, '/Users/runner'],
  ] as const)('on %s: %j → %s', (platform, env, home) => {
    expect(homeDir(env, platform)).toBe(home);
  });

  it('falls back to the OS answer', () => {
    expect(homeDir({}, 'linux')).toBe(os.homedir());
  });
});

describe('fileProtection', () => {
  it('names the mode on POSIX and the access control list on Windows', () => {
    expect(fileProtection('linux')).toMatch(/^mode 0600/);
    expect(fileProtection('darwin')).toMatch(/^mode 0600/);
    expect(fileProtection('win32')).toMatch(/^Windows ignores file modes/);
  });
});

describe('credentialProcess', () => {
  const command = {
    node: '/opt/hosted tool cache/node/24/bin/node',
    script: '/home/runner/work/_actions/o/r/v1/dist/refresh/index.js',
    args: ['--from-environment'],
  };

  it('on POSIX quotes each path, so a space survives shlex (CLI, boto3) and sh -c (JS and Go SDKs)', () => {
    const { line, shim } = credentialProcess({ ...command, dir }, 'linux');
    expect(line).toBe(`"${command.node}" "${command.script}" --from-environment`);
    expect(shim).toBeUndefined();
    // sh -c splits it back into the program and its arguments.
    const argv = execFileSync('sh', ['-c', `printf '%s\\n' ${line}`], { encoding: 'utf8' });
    expect(argv.split('\n').slice(0, 3)).toEqual([command.node, command.script, '--from-environment']);
  });

  it('on Windows writes a .cmd shim holding the command, and the line is only its path', () => {
    const windows = {
      node: 'C:\\Program Files\\actions-runner\\externals\\node24\\bin\\node.exe',
      script: 'D:\\a\\_actions\\o\\r\\v1\\dist\\refresh\\index.js',
      args: ['eyJyb2xlQXJuIjoi'],
    };
    const { line, shim } = credentialProcess({ ...windows, dir }, 'win32');
    expect(shim).toBe(path.join(dir, 'credential-process.cmd'));
    expect(line).toBe(shim);
    expect(readFileSync(shim!, 'utf8')).toBe(`@"${windows.node}" "${windows.script}" eyJyb2xlQXJuIjoi\r\n`);
  });

  it('on Windows quotes a shim path with a space as the one token (a form cmd.exe /C keeps)', () => {
    const spaced = path.join(dir, 'runner temp');
    mkdirSync(spaced);
    const { line, shim } = credentialProcess({ ...command, dir: spaced }, 'win32');
    expect(line).toBe(`"${shim}"`);
    expect(line.match(/"/g)).toHaveLength(2);
  });
});

describe('msysExclusions', () => {
  const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

  it.each([
    [undefined, 'AWS_ACCESS_KEY_ID;AWS_SECRET_ACCESS_KEY;AWS_SESSION_TOKEN'],
    ['', 'AWS_ACCESS_KEY_ID;AWS_SECRET_ACCESS_KEY;AWS_SESSION_TOKEN'],
    ['MY_PATH;AWS_SESSION_TOKEN', 'MY_PATH;AWS_SESSION_TOKEN;AWS_ACCESS_KEY_ID;AWS_SECRET_ACCESS_KEY'],
    ['AWS_ACCESS_KEY_ID;AWS_SECRET_ACCESS_KEY;AWS_SESSION_TOKEN', undefined],
  ])('on Windows adds what %j lacks → %j', (current, expected) => {
    expect(msysExclusions(current, names, 'win32')).toBe(expected);
  });

  it('is nothing on Linux and macOS, which have no Git Bash path conversion', () => {
    expect(msysExclusions(undefined, names, 'linux')).toBeUndefined();
    expect(msysExclusions(undefined, names, 'darwin')).toBeUndefined();
  });
});
