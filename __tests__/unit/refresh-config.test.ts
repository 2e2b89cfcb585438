import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readConfig } from '../../src/inputs/config.js';
import {
  decodeParams,
  encodeParams,
  refreshParams,
  writeRefreshConfig,
  type RefreshParams,
} from '../../src/export/refresh-config.js';
import { inputsFrom } from './fixtures/inputs.js';

// refresh-credentials writes an AWS config file whose credential_process runs the refresh script with the
// parameters as one argument: nothing secret, nothing a shell or an INI parser could split or misread.

const ROLE = 'arn:aws:iam::123456789012:role/deploy';

const PARAMS: RefreshParams = {
  source: 'github-oidc',
  roleArn: ROLE,
  sessionName: 'GitHubActions',
  durationSeconds: 3600,
  audience: 'sts.amazonaws.com',
  region: 'eu-west-1',
  stsEndpoint: 'https://sts.eu-west-1.amazonaws.com',
  httpProxy: 'http://proxy.internal:3128',
  noProxy: ['169.254.169.254', '.internal'],
  tokenFile: undefined,
  policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
  policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
  maxAttempts: 12,
};

let runnerTemp: string;
beforeEach(() => {
  runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'refresh-config-'));
});
afterEach(() => {
  rmSync(runnerTemp, { recursive: true, force: true });
});

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('encodeParams / decodeParams', () => {
  it.each<[string, RefreshParams]>([
    ['GitHub OIDC with every option', PARAMS],
    [
      'a token file with none',
      {
        ...PARAMS,
        source: 'token-file',
        tokenFile: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
        stsEndpoint: undefined,
        httpProxy: undefined,
        noProxy: [],
        policy: undefined,
        policyArns: [],
      },
    ],
  ])('round-trips %s through one argument of letters, digits, - and _', (_what, params) => {
    const arg = encodeParams(params);
    expect(arg).toMatch(/^[\w-]+$/);
    expect(decodeParams(arg)).toEqual(params);
  });

  it.each<[string, string | undefined]>([
    ['no argument', undefined],
    ['an empty argument', ''],
    ['characters base64url never has', 'eyJ+abc/def='],
    ['two arguments in one', `${encodeParams(PARAMS)} --debug`],
    ['base64url of text that is not JSON', b64('not json')],
    ['JSON that is not an object', b64('null')],
    ['an object without a role', b64(JSON.stringify({ ...PARAMS, roleArn: undefined }))],
    ['a source that cannot refresh', b64(JSON.stringify({ ...PARAMS, source: 'static-keys' }))],
  ])('refuses %s', (_what, arg) => {
    expect(() => decodeParams(arg)).toThrow();
  });
});

describe('refreshParams', () => {
  it('takes what a new assume needs from the inputs, and no more', () => {
    const config = readConfig(
      inputsFrom({
        'aws-region': 'eu-west-1',
        'role-to-assume': ROLE,
        'role-session-name': 'release',
        'role-duration-seconds': '900',
        audience: 'my-audience',
        'disable-retry': 'true',
        'web-identity-token-file': 'token',
      }),
      { GITHUB_WORKSPACE: '/workspace' },
    );
    expect(refreshParams(config, 'token-file', ROLE)).toEqual({
      source: 'token-file',
      roleArn: ROLE,
      sessionName: 'release',
      durationSeconds: 900,
      audience: 'my-audience',
      region: 'eu-west-1',
      stsEndpoint: undefined,
      httpProxy: undefined,
      noProxy: [],
      tokenFile: path.resolve('/workspace', 'token'),
      policy: undefined,
      policyArns: [],
      maxAttempts: 1,
    });
  });
});

describe('writeRefreshConfig', () => {
  const NODE = '/opt/hosted tool cache/node/24.0.0/x64/bin/node';
  const SCRIPT = '/home/runner/work/_actions/octo-org/assume-aws-role-action/v1/dist/refresh/index.js';
  const write = (profile: string | undefined) =>
    writeRefreshConfig([{ profile, params: PARAMS }], { runnerTemp, node: NODE, script: SCRIPT });

  it.each([
    ['no profile', undefined, 'default'],
    ['the default profile', 'default', 'default'],
    ['a named profile', 'ci', 'profile ci'],
  ])('with %s: a 0600 file in a new 0700 folder under RUNNER_TEMP, headed [%s]', (_what, profile, header) => {
    const file = write(profile);

    expect(path.dirname(path.dirname(file))).toBe(runnerTemp);
    expect(path.basename(file)).toBe('config');
    expect(path.basename(path.dirname(file))).toMatch(
      /^assume-aws-role-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '# Written by the assume-AWS-role action for this job (refresh-credentials); removed by its post step.',
        `[${header}]`,
        'region = eu-west-1',
        `credential_process = "${NODE}" "${SCRIPT}" ${encodeParams(PARAMS)}`,
        '',
      ].join('\n'),
    );
  });

  it('on Windows points credential_process at a .cmd shim in the same folder (paths with spaces stay whole)', () => {
    const file = writeRefreshConfig(
      [{ profile: undefined, params: PARAMS }],
      { runnerTemp, node: 'C:\\Program Files\\node24\\node.exe', script: 'D:\\a\\_actions\\r\\index.js' },
      'win32',
    );
    const shim = path.join(path.dirname(file), 'credential-process.cmd');
    expect(readFileSync(file, 'utf8')).toContain(`\ncredential_process = ${shim}\n`);
    expect(readFileSync(shim, 'utf8')).toBe(
      `@"C:\\Program Files\\node24\\node.exe" "D:\\a\\_actions\\r\\index.js" ${encodeParams(PARAMS)}\r\n`,
    );
  });

  it('makes a new folder each time, so two steps never share a file', () => {
    const first = write(undefined);
    const second = write('ci');
    expect(first).not.toBe(second);
    expect(readdirSync(runnerTemp).sort()).toEqual(
      [path.basename(path.dirname(first)), path.basename(path.dirname(second))].sort(),
    );
  });

  it('writes a credential_process that a POSIX shell splits into node, the script and one argument', () => {
    const text = readFileSync(write('ci'), 'utf8');
    const command = /^credential_process = (.+)$/m.exec(text)?.[1] ?? '';
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' });
    expect(words.split('\n').slice(0, -1)).toEqual([NODE, SCRIPT, encodeParams(PARAMS)]);
  });

  it('holds no secret: only where and how to ask again', () => {
    const text = readFileSync(write(undefined), 'utf8');
    const arg = /^credential_process = .* (\S+)$/m.exec(text)?.[1] ?? '';
    expect(Object.keys(JSON.parse(Buffer.from(arg, 'base64url').toString('utf8')) as object).sort()).toEqual(
      Object.keys(PARAMS)
        .filter((key) => PARAMS[key as keyof RefreshParams] !== undefined)
        .sort(),
    );
    expect(text).not.toMatch(/aws_access_key_id|aws_secret_access_key|aws_session_token|web_identity_token/i);
  });
});
