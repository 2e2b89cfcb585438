import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ActionError, InputError } from '../../src/errors.js';
import {
  checkProfileWritable,
  headerName,
  keepProfileNamed,
  profileFilePaths,
  removeSections,
  STUB_MARKER,
  writeProfile,
} from '../../src/export/profile-files.js';
import type { AwsCredentials } from '../../src/sts/client.js';

const CREDENTIALS: AwsCredentials = {
  accessKeyId: 'ASIAEXAMPLEKEYID1234',
  secretAccessKey: 'secretEXAMPLEsecretEXAMPLEsecretEXAMPLE0',
  sessionToken: 'sessionTOKENexample',
  expiration: new Date('2030-01-01T00:00:00Z'),
};
const CREDENTIAL_LINES =
  'aws_access_key_id = ASIAEXAMPLEKEYID1234\n' +
  'aws_secret_access_key = secretEXAMPLEsecretEXAMPLEsecretEXAMPLE0\n' +
  'aws_session_token = sessionTOKENexample\n';

let dir: string;
let folder: string;
let credentialsFile: string;
let configFile: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'profile-files-'));
  folder = path.join(dir, 'aws');
  credentialsFile = path.join(folder, 'credentials');
  configFile = path.join(folder, 'config');
  env = {
    HOME: path.join(dir, 'home'),
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_CONFIG_FILE: configFile,
  };
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const read = (file: string): string => readFileSync(file, 'utf8');
const mode = (file: string): number => statSync(file).mode & 0o777;
/** What `act` throws. */
function thrown(act: () => unknown): Error {
  try {
    act();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

/** A file the user already has, readable by others like most hand-made ~/.aws files. */
function seed(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, text, { mode: 0o644 });
}

describe('profileFilePaths', () => {
  it('uses AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE', () => {
    expect(profileFilePaths(env)).toEqual({ credentials: credentialsFile, config: configFile });
  });
  it('defaults to ~/.aws/credentials and ~/.aws/config', () => {
    expect(profileFilePaths({ HOME: '/home/runner', AWS_CONFIG_FILE: '' })).toEqual({
      credentials: path.join('/home/runner', '.aws', 'credentials'),
      config: path.join('/home/runner', '.aws', 'config'),
    });
  });
});

describe('writeProfile', () => {
  it('writes [name] in the credentials file and [profile name] in the config file', () => {
    writeProfile('deploy', CREDENTIALS, 'eu-west-1', env);
    expect(read(credentialsFile)).toBe(`[deploy]\n${CREDENTIAL_LINES}`);
    expect(read(configFile)).toBe('[profile deploy]\nregion = eu-west-1\n');
  });

  it('writes [default] in both files for the default profile', () => {
    writeProfile('default', CREDENTIALS, 'us-east-1', env);
    expect(read(credentialsFile)).toBe(`[default]\n${CREDENTIAL_LINES}`);
    expect(read(configFile)).toBe('[default]\nregion = us-east-1\n');
  });

  it('writes no session token line for long-term keys', () => {
    writeProfile(
      'keys',
      { ...CREDENTIALS, sessionToken: undefined, expiration: undefined },
      'us-east-1',
      env,
    );
    expect(read(credentialsFile)).not.toContain('aws_session_token');
  });

  it('creates the folder 0700 and the files 0600', () => {
    writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    expect(mode(folder)).toBe(0o700);
    expect(mode(credentialsFile)).toBe(0o600);
    expect(mode(configFile)).toBe(0o600);
  });

  it('makes an existing file 0600 and leaves an existing folder alone', () => {
    seed(credentialsFile, '[other]\naws_access_key_id = AKIAOTHER\n');
    writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    expect(mode(credentialsFile)).toBe(0o600);
    expect(mode(folder)).toBe(0o755);
  });

  it('keeps other sections and comments as they were', () => {
    const credentials =
      '# keys for the nightly job\n[other]\naws_access_key_id = AKIAOTHER\n; trailing comment\n';
    const config = '[default]\nregion = eu-central-1\n\n# sso\n[profile sso]\nsso_start_url = https://x\n';
    seed(credentialsFile, credentials);
    seed(configFile, config);
    writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    expect(read(credentialsFile)).toBe(`${credentials}\n[deploy]\n${CREDENTIAL_LINES}`);
    expect(read(configFile)).toBe(`${config}\n[profile deploy]\nregion = us-east-1\n`);
  });

  it('replaces a profile of the same name, and only that one', () => {
    seed(
      credentialsFile,
      '[deploy]\naws_access_key_id = AKIAOLD\n\n[other]\naws_access_key_id = AKIAOTHER\n',
    );
    seed(configFile, '[profile deploy]\nregion = ap-south-1\noutput = json\n[deploy]\nkept = yes\n');
    writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    expect(read(credentialsFile)).toBe(
      `[other]\naws_access_key_id = AKIAOTHER\n\n[deploy]\n${CREDENTIAL_LINES}`,
    );
    expect(read(configFile)).toBe('[deploy]\nkept = yes\n\n[profile deploy]\nregion = us-east-1\n');
  });

  it('leaves no temporary files behind', () => {
    writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    expect(readdirSync(folder).sort()).toEqual(['config', 'credentials']);
  });

  it.each(['credentials', 'config'])('refuses to write through a symbolic link as the %s file', (kind) => {
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, '[other]\n');
    mkdirSync(folder, { recursive: true });
    symlinkSync(target, kind === 'credentials' ? credentialsFile : configFile);
    expect(() => writeProfile('deploy', CREDENTIALS, 'us-east-1', env)).toThrow(ActionError);
    expect(() => writeProfile('deploy', CREDENTIALS, 'us-east-1', env)).toThrow(/is a symbolic link/);
    expect(read(target)).toBe('[other]\n');
  });

  it('writes nothing when the config file can not be written: all or nothing', () => {
    mkdirSync(folder, { recursive: true });
    symlinkSync(path.join(dir, 'elsewhere'), configFile);
    expect(() => writeProfile('deploy', CREDENTIALS, 'us-east-1', env)).toThrow(/symbolic link/);
    expect(existsSync(credentialsFile)).toBe(false);
  });

  it('restores the credentials file it had added to when the config file fails', () => {
    seed(credentialsFile, '[other]\naws_access_key_id = AKIAOTHER\n');
    symlinkSync(path.join(dir, 'elsewhere'), configFile);
    expect(() => writeProfile('deploy', CREDENTIALS, 'us-east-1', env)).toThrow(/symbolic link/);
    expect(read(credentialsFile)).toBe('[other]\naws_access_key_id = AKIAOTHER\n');
  });
});

describe('checkProfileWritable', () => {
  it('accepts a profile the files do not have, or no files at all', () => {
    expect(() => checkProfileWritable('deploy', env, false)).not.toThrow();
    seed(credentialsFile, '[other]\n');
    seed(configFile, '[profile other]\n[deploy]\n');
    expect(() => checkProfileWritable('deploy', env, false)).not.toThrow();
  });

  it.each([
    ['credentials', 'deploy', '[deploy]\naws_access_key_id = AKIAOLD\n'],
    ['config', 'deploy', '[profile deploy]\nregion = us-east-1\n'],
    ['config', 'deploy', '  [ profile deploy ]  \r\nregion = us-east-1\r\n'],
    ['credentials', 'default', '[default]\n'],
    ['config', 'default', '[default]\n'],
  ])('refuses to overwrite a profile the %s file has: %s', (kind, profile, text) => {
    const file = kind === 'credentials' ? credentialsFile : configFile;
    seed(file, text);
    const error = thrown(() => checkProfileWritable(profile, env, false));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ input: 'aws-profile' });
    expect(error.message).toBe(
      `aws-profile "${profile}" already exists in ${file}: choose another aws-profile, or set overwrite-aws-profile: true to replace it`,
    );
  });

  it('allows overwriting an existing profile with overwrite', () => {
    seed(credentialsFile, '[deploy]\naws_access_key_id = AKIAOLD\n');
    seed(configFile, '[profile deploy]\nregion = us-east-1\n');
    expect(() => checkProfileWritable('deploy', env, true)).not.toThrow();
  });

  it.each(['credentials', 'config'])(
    'refuses a symbolic link as the %s file, even with overwrite',
    (kind) => {
      const target = path.join(dir, 'elsewhere');
      writeFileSync(target, '');
      mkdirSync(folder, { recursive: true });
      symlinkSync(target, kind === 'credentials' ? credentialsFile : configFile);
      expect(() => checkProfileWritable('deploy', env, true)).toThrow(ActionError);
      expect(() => checkProfileWritable('deploy', env, true)).toThrow(
        /is a symbolic link; the action does not write credentials through links/,
      );
    },
  );
});

describe('removeSections', () => {
  it('deletes the files it created once they are empty', () => {
    const written = writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    removeSections(written);
    expect(existsSync(credentialsFile)).toBe(false);
    expect(existsSync(configFile)).toBe(false);
  });

  it('gives back files that were there as they were', () => {
    const credentials = '# keys\n[other]\naws_access_key_id = AKIAOTHER\n';
    const config = '[default]\nregion = eu-central-1\n';
    seed(credentialsFile, credentials);
    seed(configFile, config);
    removeSections(writeProfile('deploy', CREDENTIALS, 'us-east-1', env));
    expect(read(credentialsFile)).toBe(credentials);
    expect(read(configFile)).toBe(config);
  });

  it('keeps a file that was there even when nothing is left in it', () => {
    seed(credentialsFile, '');
    removeSections(writeProfile('deploy', CREDENTIALS, 'us-east-1', env));
    expect(read(credentialsFile)).toBe('');
  });

  it('keeps what was added to a file it created after writing', () => {
    const written = writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    writeFileSync(credentialsFile, `${read(credentialsFile)}\n[later]\naws_access_key_id = AKIALATER\n`);
    removeSections(written);
    expect(read(credentialsFile)).toBe('[later]\naws_access_key_id = AKIALATER\n');
    expect(existsSync(configFile)).toBe(false);
  });

  it('does nothing when the files are already gone', () => {
    const written = writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    rmSync(folder, { recursive: true });
    expect(() => removeSections(written)).not.toThrow();
    expect(existsSync(folder)).toBe(false);
  });

  it('refuses to follow a symbolic link put in place of a file it wrote', () => {
    const written = writeProfile('deploy', CREDENTIALS, 'us-east-1', env);
    const target = path.join(dir, 'elsewhere');
    writeFileSync(target, '[deploy]\nkept = yes\n');
    rmSync(credentialsFile);
    symlinkSync(target, credentialsFile);
    expect(removeSections(written)).toEqual([
      { section: written[0], why: expect.stringContaining(`${credentialsFile} is a symbolic link`) },
    ]);
    expect(read(target)).toBe('[deploy]\nkept = yes\n');
  });
});

describe('headerName: section headers as botocore and the JS SDK read them', () => {
  it.each([
    ['[tooling]', 'tooling'],
    ['[tooling]  ; team profile', 'tooling'],
    ['[tooling] # team profile', 'tooling'],
    ['  [ profile   dev ]  ', 'profile dev'],
    ['[profile dev]\r', 'profile dev'],
    ['[default];no space before the comment', undefined],
    ['[a;b]', 'a;b'],
    ['# [commented]', undefined],
    ['; [commented]', undefined],
    ['region = us-east-1', undefined],
    ['[unclosed', undefined],
  ])('%j is %j', (line, name) => {
    expect(headerName(line)).toBe(name);
  });
});

describe('profiles in files edited by hand', () => {
  it('replaces a section whose header has an inline comment instead of writing it twice', () => {
    seed(credentialsFile, '[tooling]  ; team profile\naws_access_key_id = AKIAOLD\n[other]\nx = 1\n');
    seed(configFile, '[ profile  tooling ] # team\nregion = ap-south-1\n');
    writeProfile('tooling', CREDENTIALS, 'us-east-1', env);
    expect(read(credentialsFile)).toBe(`[other]\nx = 1\n\n[tooling]\n${CREDENTIAL_LINES}`);
    expect(read(configFile)).toBe('[profile tooling]\nregion = us-east-1\n');
  });

  it('removes every copy of a section a file has twice (which botocore refuses to read)', () => {
    seed(credentialsFile, '[tooling]\na = 1\n[keep]\nb = 2\n[tooling] ; again\nc = 3\n');
    writeProfile('tooling', CREDENTIALS, 'us-east-1', env);
    expect(read(credentialsFile)).toBe(`[keep]\nb = 2\n\n[tooling]\n${CREDENTIAL_LINES}`);
  });

  it('sees a commented header as the existing profile it is', () => {
    seed(credentialsFile, '[tooling]  ; team profile\naws_access_key_id = AKIAOLD\n');
    expect(() => checkProfileWritable('tooling', env, false)).toThrow(InputError);
    expect(() => checkProfileWritable('tooling', env, false)).toThrow(/aws-profile "tooling" already exists/);
  });

  it('may replace a stub the post step left, without overwrite-aws-profile', () => {
    expect(keepProfileNamed('ci', 'us-east-1', configFile)).toBe(true);
    expect(read(configFile)).toBe(`[profile ci]\n${STUB_MARKER}\nregion = us-east-1\n`);
    expect(() => checkProfileWritable('ci', env, false)).not.toThrow();
    expect(keepProfileNamed('ci', 'us-east-1', configFile)).toBe(false);
  });

  it('keeps a profile the file has, writing no stub', () => {
    seed(configFile, '[profile ci] ; mine\nregion = eu-west-1\n');
    expect(keepProfileNamed('ci', 'us-east-1', configFile)).toBe(false);
    expect(read(configFile)).toBe('[profile ci] ; mine\nregion = eu-west-1\n');
  });
});

describe('a linked folder', () => {
  it('refuses ~/.aws when it is a symbolic link, before any request and when writing', () => {
    const real = path.join(dir, 'dotfiles-aws');
    mkdirSync(real);
    const home = path.join(dir, 'home');
    mkdirSync(home);
    symlinkSync(real, path.join(home, '.aws'));
    const homeEnv = { HOME: home };
    expect(() => checkProfileWritable('ci', homeEnv, false)).toThrow(
      `${path.join(home, '.aws')} is a symbolic link; the action does not write credentials through links`,
    );
    expect(() => writeProfile('ci', CREDENTIALS, 'us-east-1', homeEnv)).toThrow(ActionError);
    expect(readdirSync(real)).toEqual([]);
  });
});

describe('a linked folder between the home folder and the file', () => {
  it('is refused, and nothing is created through it', () => {
    const home = path.join(dir, 'home');
    const elsewhere = path.join(dir, 'workspace', 'planted');
    mkdirSync(elsewhere, { recursive: true });
    mkdirSync(home);
    symlinkSync(elsewhere, path.join(home, 'tools'));
    const linkedEnv = {
      HOME: home,
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'tools', 'aws', 'credentials'),
      AWS_CONFIG_FILE: path.join(home, 'tools', 'aws', 'config'),
    };
    expect(() => checkProfileWritable('ci', linkedEnv, false)).toThrow(
      `${path.join(home, 'tools')} is a symbolic link; the action does not write credentials through links`,
    );
    expect(() => writeProfile('ci', CREDENTIALS, 'us-east-1', linkedEnv)).toThrow(ActionError);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('writing with a lock', () => {
  it('leaves no lock or temporary file behind', () => {
    writeProfile('one', CREDENTIALS, 'us-east-1', env);
    writeProfile('two', CREDENTIALS, 'us-east-1', env);
    expect(readdirSync(folder).sort()).toEqual(['config', 'credentials']);
    expect(read(credentialsFile)).toContain('[one]');
    expect(read(credentialsFile)).toContain('[two]');
  });
});

describe('profileFilePaths per platform', () => {
  it.each([
    ['win32', { USERPROFILE: 'C:\\Users\\runneradmin', HOME: '/c/Users/other' }, 'C:\\Users\\runneradmin'],
    ['win32', { HOMEDRIVE: 'D:', HOMEPATH: '\\Users\\ci' }, 'D:\\Users\\ci'],
    ['darwin', { HOME: '/Users/runner', USERPROFILE: 'C:\\x' }, '/Users/runner'],
    ['linux', { HOME: '/home/runner' }, '/home/runner'],
  ] as const)('on %s uses the home folder the AWS CLI uses (%j)', (platform, homeEnv, home) => {
    expect(profileFilePaths(homeEnv, platform)).toEqual({
      credentials: path.join(home, '.aws', 'credentials'),
      config: path.join(home, '.aws', 'config'),
    });
  });
});
