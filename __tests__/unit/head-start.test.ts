// The head start (src/plan/head-start.ts): what the main step sets going before it loads the AWS SDK — the
// STS connection (not through a proxy) and, only when the inputs settle on GitHub OIDC, one ID-token request
// that the flow takes, once, for the same audience.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readConfig, type Config } from '../../src/inputs/config.js';
import { headStart } from '../../src/plan/head-start.js';
import { warmAgentFor } from '../../src/sts/warm-connection.js';
import { inputsFrom } from './fixtures/inputs.js';

let endpoint: string;
const accepted: Socket[] = [];

/** A TCP server standing in for STS: counts the connections it accepts (no TLS answer is needed). */
async function fakeSts(): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const servers: Server[] = [];
beforeAll(async () => {
  const sts = await fakeSts();
  servers.push(sts.server);
  endpoint = sts.url;
});

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await Promise.all(servers.map((one) => new Promise((resolve) => one.close(resolve))));
});

const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.example/?x=1',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'bearer',
  GITHUB_WORKSPACE: '/workspace',
};

const config = (inputs: Record<string, string>, env: NodeJS.ProcessEnv = OIDC_ENV): Config =>
  readConfig(inputsFrom({ 'aws-region': 'us-east-1', 'sts-endpoint': endpoint, ...inputs }), env);

const ROLE = 'arn:aws:iam::111122223333:role/deploy';

/** A getIDToken that records its calls and answers `answer`. */
function tokens(answer: () => Promise<string> = () => Promise.resolve('the-token')) {
  const calls: string[] = [];
  return {
    calls,
    get: (audience: string) => {
      calls.push(audience);
      return answer();
    },
  };
}

const until = async (done: () => boolean) => {
  for (let waited = 0; !done() && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
};

describe('headStart', () => {
  it('asks GitHub for the token once, before it returns, and hands it over once for that audience', async () => {
    const token = tokens();
    const early = await headStart(
      config({ 'role-to-assume': ROLE }),
      OIDC_ENV,
      token.get,
      AbortSignal.timeout(5000),
    );

    expect(token.calls).toEqual(['sts.amazonaws.com']);
    expect(early.takeIdToken('another-audience')).toBeUndefined();
    await expect(early.takeIdToken('sts.amazonaws.com')).resolves.toBe('the-token');
    expect(early.takeIdToken('sts.amazonaws.com')).toBeUndefined();
  });

  it.each([
    ['static keys', { 'aws-access-key-id': 'AKIAIOSFODNN7EXAMPLE', 'aws-secret-access-key': 'secret' }],
    ['use-existing-credentials (STS is asked first)', { 'use-existing-credentials': 'true' }],
    ['a token file', { 'web-identity-token-file': '/workspace/token' }],
    ['role-chaining', { 'role-chaining': 'true' }],
  ])('asks for no token with %s', async (_what, inputs) => {
    const token = tokens();
    const early = await headStart(
      config({ 'role-to-assume': ROLE, ...inputs }),
      OIDC_ENV,
      token.get,
      AbortSignal.timeout(5000),
    );
    expect(token.calls).toEqual([]);
    expect(early.takeIdToken('sts.amazonaws.com')).toBeUndefined();
  });

  it('asks for no token when the source cannot be chosen: the flow reports that itself', async () => {
    const token = tokens();
    // A bare role name with GitHub OIDC: chooseSource refuses it (there is no account to complete it with).
    const inputs = { 'role-to-assume': 'deploy' };
    await headStart(config(inputs), OIDC_ENV, token.get, AbortSignal.timeout(5000));
    expect(token.calls).toEqual([]);
  });

  it("keeps a failed request's error for the flow, without an unhandled rejection", async () => {
    const refused = Object.assign(new Error('HTTP 401'), { $metadata: { httpStatusCode: 401 } });
    const token = tokens(() => Promise.reject(refused));
    const early = await headStart(
      config({ 'role-to-assume': ROLE }),
      OIDC_ENV,
      token.get,
      AbortSignal.timeout(5000),
    );
    // A turn of the loop with the rejection unobserved: jest fails the test on an unhandled rejection.
    await new Promise((resolve) => setImmediate(resolve));
    await expect(early.takeIdToken('sts.amazonaws.com')).rejects.toBe(refused);
  });

  it('opens one connection to the STS endpoint, however often it runs, through the agent STS clients use', async () => {
    const sts = await fakeSts();
    servers.push(sts.server);
    const before = accepted.length;
    const own = readConfig(inputsFrom({ 'aws-region': 'us-east-1', 'sts-endpoint': `${sts.url}/a` }), {});
    await headStart(own, {}, tokens().get, AbortSignal.timeout(5000));
    await headStart(own, {}, tokens().get, AbortSignal.timeout(5000));
    await until(() => accepted.length > before);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(accepted.length - before).toBe(1);
    expect(warmAgentFor(`${sts.url}/b`)).toBe(warmAgentFor(sts.url));
    expect(warmAgentFor('https://sts.us-east-1.amazonaws.com')).not.toBe(warmAgentFor(sts.url));
  });

  it('opens nothing when the requests go through a proxy', async () => {
    const proxied = new URL(endpoint);
    proxied.hostname = 'localhost';
    const before = accepted.length;
    const env = { HTTPS_PROXY: 'http://127.0.0.1:9' };
    const own = readConfig(inputsFrom({ 'aws-region': 'us-east-1', 'sts-endpoint': proxied.href }), env);
    await headStart(own, env, tokens().get, AbortSignal.timeout(5000));
    // The connect of a warm connection goes out before headStart resolves; give it time to be accepted.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(accepted.length).toBe(before);
  });
});
