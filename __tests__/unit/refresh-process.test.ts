import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { encodeParams, type RefreshParams } from '../../src/export/refresh-config.js';
import { environmentCredentials, refresh } from '../../src/refresh/process.js';
import { FRESH_FOR_MS, keyOf } from '../../src/refresh/cache.js';
import { MAX_ATTEMPTS } from '../../src/refresh/assume.js';
import {
  assumedRole,
  makeJwt,
  networkError,
  ROLE_ARN,
  sessionKeys,
  stsError,
  TEMP_CREDENTIALS,
} from './fixtures/runner.js';

// The credential_process of refresh-credentials: a new token (GitHub's ID-token endpoint, here a small server on
// loopback, or the token file), a new AssumeRoleWithWebIdentity, and on stdout only the credential_process JSON.

const sts = mockClient(STSClient);
const BEARER = 'request-token-for-the-oidc-endpoint';

/** GitHub's ID-token endpoint: answers each request with `answer`, recording what was asked. */
let server: Server;
let serverUrl: string;
let requests: { url: string; authorization: string | undefined }[];
/** The tokens the endpoint handed out. */
let served: string[];
let answer: (request: IncomingMessage) => Promise<{ status: number; body: string }>;

beforeAll(async () => {
  // The SDK warns once on stderr under Node < 22 (these tests run on the machine's Node 20; the action uses
  // Node 24): that is not the process's output under test.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', authorization: request.headers.authorization });
    void answer(request).then(({ status, body }) => response.writeHead(status).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  sts.restore();
  await new Promise((resolve) => server.close(resolve));
});

let dir: string;
let stdout: string[];
let stderr: string[];
beforeEach(() => {
  sts.reset();
  sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumedRole());
  requests = [];
  served = [];
  answer = async (request) => {
    const audience = new URL(request.url ?? '', serverUrl).searchParams.get('audience');
    served.push(await makeJwt({ aud: audience, jti: `token-${served.length + 1}` }));
    return { status: 200, body: JSON.stringify({ value: served.at(-1) }) };
  };
  dir = mkdtempSync(path.join(os.tmpdir(), 'refresh-process-'));
  stdout = [];
  stderr = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const PARAMS: RefreshParams = {
  source: 'github-oidc',
  roleArn: ROLE_ARN,
  sessionName: 'GitHubActions',
  durationSeconds: 3600,
  audience: 'sts.amazonaws.com',
  region: 'us-east-1',
  stsEndpoint: undefined,
  httpProxy: undefined,
  noProxy: [],
  tokenFile: undefined,
  policy: undefined,
  policyArns: [],
  maxAttempts: 1,
};

/** A later step's environment: the job has `id-token: write`, so the ID-token variables are there. */
const stepEnv = (): NodeJS.ProcessEnv => ({
  ACTIONS_ID_TOKEN_REQUEST_URL: `${serverUrl}/_apis/idtoken?api-version=2.0`,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: BEARER,
});

const run = (params: Partial<RefreshParams> = {}, env = stepEnv()) =>
  refresh([encodeParams({ ...PARAMS, ...params })], env);

/** The one line on stderr, and nothing on stdout: what the CLI quotes when the process fails. */
function expectFailedWithOneLine(code: number): string {
  expect(code).toBe(1);
  expect(stdout).toEqual([]);
  expect(stderr).toHaveLength(1);
  expect(stderr[0]).toMatch(/^assume-aws-role refresh-credentials: could not get new credentials: [^\n]+\n$/);
  return stderr[0] ?? '';
}

describe('refresh (the credential_process)', () => {
  it('with GitHub OIDC: asks for a new token, assumes the role with it and prints the credential_process JSON', async () => {
    const code = await run({ sessionName: 'release', durationSeconds: 900, audience: 'my-audience' });

    expect(code).toBe(0);
    expect(stderr).toEqual([]);
    expect(requests).toEqual([
      { url: '/_apis/idtoken?api-version=2.0&audience=my-audience', authorization: `Bearer ${BEARER}` },
    ]);
    const [call] = sts.commandCalls(AssumeRoleWithWebIdentityCommand);
    expect(sts.calls()).toHaveLength(1);
    expect(call?.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: 'release',
      DurationSeconds: 900,
      WebIdentityToken: served[0],
    });
    expect(stdout).toEqual([
      `${JSON.stringify({
        Version: 1,
        AccessKeyId: TEMP_CREDENTIALS.accessKeyId,
        SecretAccessKey: TEMP_CREDENTIALS.secretAccessKey,
        SessionToken: TEMP_CREDENTIALS.sessionToken,
        Expiration: '2030-01-01T12:00:00.000Z',
      })}\n`,
    ]);
  });

  it('passes the session policies on', async () => {
    const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}';
    await run({ policy, policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });

    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]?.args[0].input).toMatchObject({
      Policy: policy,
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }],
    });
  });

  it('with a token file: reads the file again, asks GitHub nothing', async () => {
    const tokenFile = path.join(dir, 'token');
    const token = await makeJwt({ sub: 'system:serviceaccount:ci:deployer' });
    writeFileSync(tokenFile, `${token}\n`);

    const code = await run({ source: 'token-file', tokenFile }, {});

    expect(code).toBe(0);
    expect(requests).toEqual([]);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)[0]?.args[0].input.WebIdentityToken).toBe(token);
    expect(JSON.parse(stdout.join('')) as object).toMatchObject({
      Version: 1,
      AccessKeyId: 'ASIATEMPORARYKEY0001',
    });
  });

  it('when STS refuses: exit 1, one line on stderr without the token, nothing on stdout', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'));
    expect(expectFailedWithOneLine(await run())).toContain(
      'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
    expect(served).toHaveLength(1); // AccessDenied is final: not retried
  });

  it('when STS quotes the token in a message over several lines: still one line, without the token', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .callsFake((input: { WebIdentityToken: string }) =>
        Promise.reject(stsError('InvalidIdentityToken', `Bad token:\n${input.WebIdentityToken}\nrejected`)),
      );
    const line = expectFailedWithOneLine(await run());
    expect(served).toHaveLength(1);
    expect(line).not.toContain(served[0]);
    expect(line).toContain('Bad token: *** rejected');
  });

  it.each<[string, () => NodeJS.ProcessEnv, () => void, string]>([
    [
      'the step has no ID-token variables',
      () => ({}),
      () => undefined,
      'ACTIONS_ID_TOKEN_REQUEST_URL or ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set',
    ],
    [
      'the ID-token endpoint fails with an HTML page',
      stepEnv,
      () => (answer = async () => ({ status: 500, body: '<html>\n<body>Oops</body>\n</html>' })),
      'HTTP 500: <html> <body>Oops</body> </html>',
    ],
    [
      // A server echoing the request: the bearer is redacted before the body is cut to 200 characters.
      'the ID-token endpoint answers 500 echoing its request, bearer and all',
      stepEnv,
      () =>
        (answer = async (request) => ({
          status: 500,
          body: `${'x'.repeat(150)} Authorization: ${request.headers.authorization ?? ''}`,
        })),
      `HTTP 500: ${'x'.repeat(150)} Authorization: Bearer ***`,
    ],
  ])('when %s: exit 1 with one line saying so, no STS call', async (_what, env, arrange, says) => {
    arrange();
    const line = expectFailedWithOneLine(await refresh([encodeParams(PARAMS)], env()));
    expect(line).toContain(says);
    expect(line).not.toContain(BEARER.slice(0, 8));
    expect(sts.calls()).toEqual([]);
  });

  it.each([[[]], [['not-the-parameters!']], [[Buffer.from('{"roleArn":1}').toString('base64url')]]])(
    'refuses arguments the action did not write (%j), with one line',
    async (argv) => {
      expectFailedWithOneLine(await refresh(argv, stepEnv()));
      expect(requests).toEqual([]);
      expect(sts.calls()).toEqual([]);
    },
  );
});

describe('environmentCredentials (--from-environment)', () => {
  it('prints the keys of its own environment in the credential_process format', () => {
    const code = environmentCredentials({
      AWS_ACCESS_KEY_ID: TEMP_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEMP_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: TEMP_CREDENTIALS.sessionToken,
      AWS_CREDENTIAL_EXPIRATION: '2030-01-01T12:00:00.000Z',
    });
    expect(code).toBe(0);
    expect(stderr).toEqual([]);
    expect(JSON.parse(stdout.join(''))).toEqual({
      Version: 1,
      AccessKeyId: TEMP_CREDENTIALS.accessKeyId,
      SecretAccessKey: TEMP_CREDENTIALS.secretAccessKey,
      SessionToken: TEMP_CREDENTIALS.sessionToken,
      Expiration: '2030-01-01T12:00:00.000Z',
    });
  });

  it('leaves out an empty session token and an expiry that is not a time', () => {
    environmentCredentials({
      AWS_ACCESS_KEY_ID: 'AKIALONGTERMKEY00001',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: '',
      AWS_CREDENTIAL_EXPIRATION: 'soon',
    });
    expect(JSON.parse(stdout.join(''))).toEqual({
      Version: 1,
      AccessKeyId: 'AKIALONGTERMKEY00001',
      SecretAccessKey: 'secret',
    });
  });

  it('fails with one line on stderr, printing nothing on stdout, when the keys are not there', () => {
    expect(environmentCredentials({ AWS_ACCESS_KEY_ID: 'AKIAONLYTHEKEYID0001' })).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr.join('')).toMatch(/^assume-aws-role: this profile hands out AWS_ACCESS_KEY_ID .*\n$/);
  });
});

// ---- The cache: a later call within the credentials' lifetime asks nothing ----------------------------------

const UUID = '0c6f3d2e-8a4b-4c1d-9e2f-3a5b7c9d1e0f';
/** The refresh config's folder, as the main step makes it: RUNNER_TEMP/assume-aws-role-<uuid>, 0700. */
const actionFolder = () => path.join(dir, `assume-aws-role-${UUID}`);
/** A later step's environment where the calling tool read the refresh config (AWS_CONFIG_FILE). */
const cachedEnv = (): NodeJS.ProcessEnv => {
  mkdirSync(actionFolder(), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(actionFolder(), 'config'), '', { flag: 'a' });
  return { ...stepEnv(), RUNNER_TEMP: dir, AWS_CONFIG_FILE: path.join(actionFolder(), 'config') };
};
const argOf = (params: Partial<RefreshParams> = {}) => encodeParams({ ...PARAMS, ...params });
const cacheFile = (arg = argOf()) => path.join(actionFolder(), `cache-${keyOf(arg)}.json`);
// An hour from the test's start, on a whole second, as STS gives it: fixed per test, so two entries made in one
// test are equal even when a second boundary falls between them.
let anHourFromStart: Date;
beforeEach(() => {
  anHourFromStart = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
});
const inAnHour = () => new Date(anHourFromStart);
/** A valid entry, as the process writes it. */
const entry = (fields: Record<string, unknown> = {}, arg = argOf()) => ({
  Version: 1,
  Key: keyOf(arg),
  AccessKeyId: 'ASIACACHEDKEY0000001',
  SecretAccessKey: 'cachedSecretAccessKey0000000000000000001',
  SessionToken: 'cachedSessionToken000000000000000000000001',
  Expiration: inAnHour().toISOString(),
  ...fields,
});
const writeEntry = (value: unknown, file = cacheFile()) =>
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value), { mode: 0o600 });
const printedKey = () => (JSON.parse(stdout.join('')) as { AccessKeyId: string }).AccessKeyId;

describe('refresh with the cache', () => {
  beforeEach(() => {
    sts.on(AssumeRoleWithWebIdentityCommand).resolves(assumedRole({ expiration: inAnHour() }));
  });

  it('on a miss: assumes the role, saves the credentials (0600, via a temporary file) and prints them', async () => {
    const env = cachedEnv();
    expect(await refresh([argOf()], env)).toBe(0);

    expect(requests).toHaveLength(1);
    expect(sts.calls()).toHaveLength(1);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    expect(readdirSync(actionFolder()).sort()).toEqual(['cache-' + keyOf(argOf()) + '.json', 'config']);
    const saved = JSON.parse(readFileSync(cacheFile(), 'utf8')) as Record<string, unknown>;
    expect(saved).toEqual({
      Version: 1,
      Key: keyOf(argOf()),
      AccessKeyId: TEMP_CREDENTIALS.accessKeyId,
      SecretAccessKey: TEMP_CREDENTIALS.secretAccessKey,
      SessionToken: TEMP_CREDENTIALS.sessionToken,
      Expiration: inAnHour().toISOString(),
    });
    expect(JSON.parse(stdout.join(''))).toEqual({
      Version: 1,
      AccessKeyId: TEMP_CREDENTIALS.accessKeyId,
      SecretAccessKey: TEMP_CREDENTIALS.secretAccessKey,
      SessionToken: TEMP_CREDENTIALS.sessionToken,
      Expiration: saved.Expiration,
    });
  });

  it('on a hit: prints the saved credentials with no token request and no STS call', async () => {
    const env = cachedEnv();
    await refresh([argOf()], env);
    const first = stdout.join('');
    stdout.length = 0;
    sts.resetHistory();
    requests.length = 0;

    for (let n = 0; n < 3; n++) expect(await refresh([argOf()], env)).toBe(0);

    expect(requests).toEqual([]);
    expect(sts.calls()).toEqual([]);
    expect(stderr).toEqual([]);
    expect(stdout).toEqual([first, first, first]);
  });

  it('each profile has its own entry: another profile misses, and saves its own', async () => {
    const env = cachedEnv();
    const first = entry();
    writeEntry(first);
    const other = argOf({ roleArn: 'arn:aws:iam::123456789012:role/other' });
    expect(await refresh([other], env)).toBe(0);
    expect(sts.calls()).toHaveLength(1);
    expect(printedKey()).toBe(TEMP_CREDENTIALS.accessKeyId);
    expect(existsSync(cacheFile(other))).toBe(true);
    expect(JSON.parse(readFileSync(cacheFile(), 'utf8'))).toEqual(first); // the first profile's is untouched
  });

  it('hands out an entry with more than the refresh window left, and none closer to its expiry', async () => {
    const env = cachedEnv();
    const at = (ms: number) => new Date(Math.floor((Date.now() + ms) / 1000) * 1000).toISOString();
    writeEntry(entry({ Expiration: at(FRESH_FOR_MS + 60_000) }));
    await refresh([argOf()], env);
    expect(sts.calls()).toEqual([]);
    expect(printedKey()).toBe('ASIACACHEDKEY0000001');

    // Inside botocore's advisory window (15 min): refreshed, and the new credentials replace the entry.
    stdout.length = 0;
    writeEntry(entry({ Expiration: at(FRESH_FOR_MS - 60_000) }));
    await refresh([argOf()], env);
    expect(sts.calls()).toHaveLength(1);
    expect(requests).toHaveLength(1);
    expect(printedKey()).toBe(TEMP_CREDENTIALS.accessKeyId);
    expect(JSON.parse(readFileSync(cacheFile(), 'utf8'))).toMatchObject({
      AccessKeyId: TEMP_CREDENTIALS.accessKeyId,
    });
  });

  it('keeps the window above what botocore (15 min) and the JS SDK (5 min) refresh before', () => {
    expect(FRESH_FOR_MS).toBeGreaterThan(15 * 60_000);
  });

  it.each<[string, () => void]>([
    ['not JSON', () => writeEntry('{"Version":1,')],
    ['an array', () => writeEntry([entry()])],
    ['of another profile (another key)', () => writeEntry(entry({ Key: keyOf('another') }))],
    ['without its key', () => writeEntry({ ...entry(), Key: undefined })],
    ['with a field more', () => writeEntry(entry({ Profile: 'x' }))],
    ['of another version', () => writeEntry(entry({ Version: 2 }))],
    ['with a line break in the key id', () => writeEntry(entry({ AccessKeyId: 'ASIACACHEDKEY00000\n1' }))],
    ['with a secret of other characters', () => writeEntry(entry({ SecretAccessKey: 'x'.repeat(39) + '"' }))],
    ['without a session token', () => writeEntry({ ...entry(), SessionToken: undefined })],
    ['with an expiry that is not a time', () => writeEntry(entry({ Expiration: 'tomorrow' }))],
    ['with an expiry in another form', () => writeEntry(entry({ Expiration: inAnHour().toUTCString() }))],
    ['expired', () => writeEntry(entry({ Expiration: new Date(Date.now() - 60_000).toISOString() }))],
    ['good for longer than any session', () => writeEntry(entry({ Expiration: '2099-01-01T00:00:00.000Z' }))],
    ['readable by others', () => (writeEntry(entry()), chmodSync(cacheFile(), 0o644))],
    ['a folder', () => mkdirSync(cacheFile())],
    ['empty', () => writeEntry('')],
  ])('treats an entry that is %s as a miss, never as an error', async (_what, arrange) => {
    const env = cachedEnv();
    arrange();
    expect(await refresh([argOf()], env)).toBe(0);
    expect(stderr).toEqual([]);
    expect(sts.calls()).toHaveLength(1);
    expect(printedKey()).toBe(TEMP_CREDENTIALS.accessKeyId);
  });

  it('never follows a link: one in place of the entry is a miss, replaced by a file, its target untouched', async () => {
    const env = cachedEnv();
    const target = path.join(dir, 'elsewhere.json');
    const saved = entry();
    writeEntry(saved, target);
    symlinkSync(target, cacheFile());

    expect(await refresh([argOf()], env)).toBe(0);
    expect(sts.calls()).toHaveLength(1);
    expect(printedKey()).toBe(TEMP_CREDENTIALS.accessKeyId);
    expect(lstatSync(cacheFile()).isSymbolicLink()).toBe(false);
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual(saved);
  });

  it.each<[string, () => NodeJS.ProcessEnv]>([
    ['no AWS_CONFIG_FILE', () => ({ ...cachedEnv(), AWS_CONFIG_FILE: undefined })],
    [
      'a config file of another folder',
      () => ({ ...cachedEnv(), AWS_CONFIG_FILE: path.join(dir, 'config') }),
    ],
    ['an action folder outside RUNNER_TEMP', () => ({ ...cachedEnv(), RUNNER_TEMP: os.tmpdir() })],
    [
      'an action folder others can read',
      () => (chmodSync(cachedEnv() && actionFolder(), 0o755), cachedEnv()),
    ],
    [
      'an action folder that is a link',
      () => {
        const real = path.join(dir, 'real');
        mkdirSync(real, { mode: 0o700 });
        symlinkSync(real, actionFolder());
        return { ...stepEnv(), RUNNER_TEMP: dir, AWS_CONFIG_FILE: path.join(actionFolder(), 'config') };
      },
    ],
  ])('with %s: no cache at all, neither read nor written', async (_what, env) => {
    const environment = env();
    expect(await refresh([argOf()], environment)).toBe(0);
    expect(sts.calls()).toHaveLength(1);
    expect(readdirSync(dir).flatMap((name) => (name.startsWith('assume-aws-role-') ? [name] : []))).toEqual(
      existsSync(actionFolder()) ? [`assume-aws-role-${UUID}`] : [],
    );
    if (existsSync(actionFolder()) && !lstatSync(actionFolder()).isSymbolicLink()) {
      expect(readdirSync(actionFolder()).filter((name) => name.startsWith('cache-'))).toEqual([]);
    } else if (existsSync(actionFolder())) {
      expect(readlinkSync(actionFolder())).toBe(path.join(dir, 'real'));
      expect(readdirSync(path.join(dir, 'real'))).toEqual([]);
    }
  });

  it("caches a chain's last session, keyed by the whole path", async () => {
    const env = cachedEnv();
    const hops = [
      { roleArn: 'arn:aws:iam::123456789012:role/next', sessionName: 'next', durationSeconds: 3600 },
    ];
    sts.on(AssumeRoleCommand).resolves(assumedRole({ ...sessionKeys('next'), expiration: inAnHour() }));
    await refresh([argOf({ hops })], env);
    await refresh([argOf({ hops })], env);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    const printed = stdout.map((line) => (JSON.parse(line) as { SecretAccessKey: string }).SecretAccessKey);
    expect(printed).toEqual([sessionKeys('next').secretAccessKey, sessionKeys('next').secretAccessKey]);
  });

  it('prints the credentials even when they cannot be saved', async () => {
    const env = cachedEnv();
    chmodSync(actionFolder(), 0o500);
    try {
      expect(await refresh([argOf()], env)).toBe(0);
    } finally {
      chmodSync(actionFolder(), 0o700);
    }
    expect(stderr).toEqual([]);
    expect(printedKey()).toBe(TEMP_CREDENTIALS.accessKeyId);
  });
});

// ---- Failing fast: a later command tries again anyway ------------------------------------------------------

describe('refresh when the token endpoint or STS is away', () => {
  it.each([['the ID-token endpoint answers 503', 503]])(
    'when %s: two attempts at most, then one line',
    async (_what, status) => {
      answer = async () => ({ status, body: 'Service Unavailable' });
      const started = Date.now();
      const line = expectFailedWithOneLine(await run({ maxAttempts: 12 }));
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(requests).toHaveLength(MAX_ATTEMPTS);
      expect(line).toContain(
        "GitHub's ID-token endpoint: HTTP 503: Service Unavailable (2 attempts; the next AWS command will try again)",
      );
      expect(sts.calls()).toEqual([]);
    },
  );

  it('when the ID-token endpoint does not answer: each attempt is cut off, two attempts, one line', async () => {
    answer = () => new Promise(() => undefined); // never
    const started = Date.now();
    const code = await refresh([argOf({ maxAttempts: 12 })], stepEnv(), { attemptTimeoutMs: 200 });
    const line = expectFailedWithOneLine(code);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(requests).toHaveLength(2);
    expect(line).toContain("GitHub's ID-token endpoint: it did not answer within 0.2 s (2 attempts;");
  });

  it('when the ID-token endpoint cannot be reached: two attempts, one line naming it', async () => {
    const started = Date.now();
    const env = {
      ...stepEnv(),
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/_apis/idtoken?api-version=2.0',
    };
    const line = expectFailedWithOneLine(await refresh([argOf({ maxAttempts: 12 })], env));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(line).toMatch(/GitHub's ID-token endpoint: the request failed \(ECONNREFUSED/);
  });

  it.each([
    ['cannot be reached', networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:443')],
    ['is unavailable', stsError('ServiceUnavailable', 'Service is unavailable')],
  ])('when STS %s: two attempts with one token, then one line', async (_what, failure) => {
    sts.on(AssumeRoleWithWebIdentityCommand).rejects(failure);
    const started = Date.now();
    const line = expectFailedWithOneLine(await run({ maxAttempts: 12 }));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(MAX_ATTEMPTS);
    expect(requests).toHaveLength(1);
    expect(line).toContain(`STS AssumeRoleWithWebIdentity: ${failure.message} (2 attempts;`);
  });

  it("when a hop's STS call fails: two attempts of that hop, then one line", async () => {
    const hops = [
      { roleArn: 'arn:aws:iam::123456789012:role/next', sessionName: 'next', durationSeconds: 3600 },
    ];
    sts.on(AssumeRoleCommand).rejects(networkError('ETIMEDOUT', 'connect ETIMEDOUT'));
    const line = expectFailedWithOneLine(await run({ maxAttempts: 12, hops }));
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(MAX_ATTEMPTS);
    expect(line).toContain('STS AssumeRole: connect ETIMEDOUT (2 attempts;');
    expect(line).not.toContain(TEMP_CREDENTIALS.secretAccessKey);
  });

  it('with retry-max-attempts 1: one attempt', async () => {
    answer = async () => ({ status: 503, body: 'Service Unavailable' });
    expectFailedWithOneLine(await run({ maxAttempts: 1 }));
    expect(requests).toHaveLength(1);
  });
});
