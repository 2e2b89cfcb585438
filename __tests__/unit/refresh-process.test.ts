import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { encodeParams, type RefreshParams } from '../../src/export/refresh-config.js';
import { environmentCredentials, refresh } from '../../src/refresh/process.js';
import { assumedRole, makeJwt, ROLE_ARN, stsError, TEMP_CREDENTIALS } from './fixtures/runner.js';

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
