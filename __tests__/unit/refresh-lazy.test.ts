import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it, jest } from '@jest/globals';

// A cache hit of the refresh process costs about a bare `node` start: it must not load its network path
// (src/refresh/assume.ts, and through it the AWS SDK), which process.ts imports only on a miss.

const loaded: string[] = [];
jest.unstable_mockModule('../../src/refresh/assume.js', () => {
  loaded.push('assume');
  return {
    assumePath: () => Promise.reject(new Error('the network path was taken')),
    MAX_ATTEMPTS: 2,
    ATTEMPT_TIMEOUT_MS: 3000,
  };
});
const { refresh } = await import('../../src/refresh/process.js');
const { keyOf } = await import('../../src/refresh/cache.js');
const { encodeParams } = await import('../../src/export/refresh-config.js');

let dir: string;
const stdout: string[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'refresh-lazy-'));
  stdout.length = 0;
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  jest.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

const arg = encodeParams({
  source: 'github-oidc',
  roleArn: 'arn:aws:iam::123456789012:role/deploy',
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
  maxAttempts: 3,
});

it('prints a cached entry without importing the network path; a miss imports it', async () => {
  const folder = path.join(dir, 'assume-aws-role-0c6f3d2e-8a4b-4c1d-9e2f-3a5b7c9d1e0f');
  mkdirSync(folder, { mode: 0o700 });
  writeFileSync(path.join(folder, 'config'), '');
  const entry = {
    Version: 1,
    Key: keyOf(arg),
    AccessKeyId: 'ASIACACHEDKEY0000001',
    SecretAccessKey: 'cachedSecretAccessKey0000000000000000001',
    SessionToken: 'cachedSessionToken000000000000000000000001',
    Expiration: new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000).toISOString(),
  };
  writeFileSync(path.join(folder, `cache-${keyOf(arg)}.json`), JSON.stringify(entry), { mode: 0o600 });
  const env = { RUNNER_TEMP: dir, AWS_CONFIG_FILE: path.join(folder, 'config') };

  expect(await refresh([arg], env)).toBe(0);
  expect(loaded).toEqual([]);
  expect(JSON.parse(stdout.join(''))).toEqual({
    Version: 1,
    AccessKeyId: entry.AccessKeyId,
    SecretAccessKey: entry.SecretAccessKey,
    SessionToken: entry.SessionToken,
    Expiration: entry.Expiration,
  });

  expect(await refresh([arg], { ...env, AWS_CONFIG_FILE: undefined })).toBe(1);
  expect(loaded).toEqual(['assume']);
});
