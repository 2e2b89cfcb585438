import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { STATE } from '../../src/export/exporting.js';
import { cleanup } from '../../src/post/cleanup.js';
import {
  cacheFileFor,
  FRESH_FOR_MS,
  keyOf,
  parseEntry,
  readCache,
  writeCache,
} from '../../src/refresh/cache.js';
import { FakeRunner, TestWorld, useTestWorld } from './fixtures/runner.js';

// The refresh process's cache file (src/refresh/cache.ts): where it lives, how it is written and read, and that
// the post step removes it with the refresh config's folder.

let world: TestWorld;
useTestWorld((w) => (world = w));

const UUID = '0c6f3d2e-8a4b-4c1d-9e2f-3a5b7c9d1e0f';
const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const CREDENTIALS = {
  accessKeyId: 'ASIACACHEDKEY0000001',
  secretAccessKey: 'cachedSecretAccessKey0000000000000000001',
  sessionToken: 'cachedSessionToken000000000000000000000001',
  expiration: new Date(NOW + 3_600_000),
};

/** The refresh config's folder as the main step makes it, and the environment of a tool that read it. */
function actionFolder(): { folder: string; env: NodeJS.ProcessEnv } {
  const folder = path.join(world.dir, `assume-aws-role-${UUID}`);
  mkdirSync(folder, { mode: 0o700 });
  writeFileSync(path.join(folder, 'config'), '', { mode: 0o600 });
  return { folder, env: world.env({ AWS_CONFIG_FILE: path.join(folder, 'config') }) };
}

describe('the refresh cache', () => {
  it('is one file per profile in the refresh config folder, named after the hash of its parameters', () => {
    const { folder, env } = actionFolder();
    expect(cacheFileFor('arg-a', env)).toBe(path.join(folder, `cache-${keyOf('arg-a')}.json`));
    expect(cacheFileFor('arg-b', env)).not.toBe(cacheFileFor('arg-a', env));
    expect(keyOf('arg-a')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is written 0600 through a temporary file that does not stay, and read back', () => {
    const { folder, env } = actionFolder();
    const file = cacheFileFor('arg', env) ?? '';
    expect(writeCache(file, keyOf('arg'), CREDENTIALS)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual([path.basename(file), 'config']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readCache(file, keyOf('arg'), NOW)).toEqual(CREDENTIALS);
    expect(readCache(file, keyOf('other'), NOW)).toBeUndefined();
  });

  it('hands out an entry only while it has more than FRESH_FOR_MS left', () => {
    const text = (expiration: number) =>
      JSON.stringify({
        Version: 1,
        Key: 'k',
        AccessKeyId: CREDENTIALS.accessKeyId,
        SecretAccessKey: CREDENTIALS.secretAccessKey,
        SessionToken: CREDENTIALS.sessionToken,
        Expiration: new Date(expiration).toISOString(),
      });
    expect(parseEntry(text(NOW + FRESH_FOR_MS + 1000), 'k', NOW)).toBeDefined();
    expect(parseEntry(text(NOW + FRESH_FOR_MS), 'k', NOW)).toBeUndefined();
    expect(parseEntry(text(NOW + 60_000), 'k', NOW)).toBeUndefined();
  });

  it('is removed by the post step with the refresh config and its folder', async () => {
    const { folder, env } = actionFolder();
    const file = cacheFileFor('arg', env) ?? '';
    writeCache(file, keyOf('arg'), CREDENTIALS);
    const runner = new FakeRunner({
      state: {
        [STATE.exportedVariables]: JSON.stringify(['AWS_CONFIG_FILE']),
        [STATE.profileSections]: JSON.stringify([]),
        [STATE.createdFiles]: JSON.stringify([path.join(folder, 'config')]),
      },
    });
    await cleanup(runner, env);

    expect(runner.failures).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(folder)).toBe(false);
  });
});
