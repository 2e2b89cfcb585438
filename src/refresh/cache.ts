import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ANSWER_RULES } from '../sts/answer.js';

// The refresh process's cache of the credentials it printed last, so that a later CLI or SDK call costs no
// token request and no STS request while they are good for a while yet. One file per profile (the name is a
// hash of the encoded parameters, which differ per profile), in the refresh config's own folder
// (RUNNER_TEMP/assume-aws-role-<uuid>, 0700), which the post step removes with the config. Anything odd about
// the folder or the file (a link, another owner, wider modes, a corrupt, foreign or expiring entry) is a miss,
// never an error: the process then asks STS as it would without a cache.

/**
 * A cached entry is handed out only while it has more than this left. The callers refresh a credential_process
 * some time before its Expiration: the AWS SDK for JavaScript 5 minutes before (`credentialsTreatedAsExpired` in
 * @aws-sdk/credential-provider-node and `EXPIRATION_MS` in @smithy/core, both 300 000 ms); botocore (the AWS CLI,
 * boto3) 15 minutes before (its advisory refresh, `_DEFAULT_ADVISORY_REFRESH_TIMEOUT`; 10 minutes, the
 * mandatory one, blocks every call until it has new ones). An entry inside botocore's 15 minutes would make it
 * run the process again on each request until the mandatory window, and the JS SDK's at once: so the window is
 * botocore's 15 minutes, plus one for the command's own run time and the clocks. Credentials of the shortest
 * duration (900 s) are therefore never served from the cache, as neither caller would keep them either.
 */
export const FRESH_FOR_MS = 16 * 60_000;

/** No STS session lasts longer than 12 hours: an entry expiring later was not written by this process. */
const LONGEST_SESSION_MS = 12 * 3_600_000 + 60_000;

/** A cache file is small: the session token is at most 16 KiB. */
const MAX_BYTES = 32 * 1024;

export interface CachedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/**
 * The cache file for these encoded parameters, or undefined (no cache) unless the calling tool's AWS_CONFIG_FILE
 * is a refresh config in its own action folder: RUNNER_TEMP/assume-aws-role-<uuid>/config, the folder a real
 * directory (not a link) of this user with no access for others.
 */
export function cacheFileFor(
  arg: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const config = env.AWS_CONFIG_FILE;
  if (!config || !path.isAbsolute(config) || path.basename(config) !== 'config') return undefined;
  const dir = path.dirname(path.resolve(config));
  if (!/^assume-aws-role-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(path.basename(dir)))
    return undefined;
  if (path.dirname(dir) !== path.resolve(env.RUNNER_TEMP || os.tmpdir())) return undefined;
  try {
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || !ownedAndPrivate(stats, platform)) return undefined;
  } catch {
    return undefined;
  }
  return path.join(dir, `cache-${keyOf(arg)}.json`);
}

/** The key an entry carries and is named after: a hash of the encoded parameters. */
export function keyOf(arg: string): string {
  return createHash('sha256').update(arg).digest('hex');
}

/** The cached credentials of `key` if they are good for more than FRESH_FOR_MS; undefined for anything else. */
export function readCache(
  file: string,
  key: string,
  now = Date.now(),
  platform: NodeJS.Platform = process.platform,
): CachedCredentials | undefined {
  let fd: number | undefined;
  try {
    // Never through a link: lstat first, and O_NOFOLLOW for one put there in between (where the OS has it).
    if (!lstatSync(file).isFile()) return undefined;
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > MAX_BYTES || !ownedAndPrivate(stats, platform)) return undefined;
    const buffer = Buffer.alloc(stats.size);
    const read = readSync(fd, buffer, 0, stats.size, 0);
    return parseEntry(buffer.subarray(0, read).toString('utf8'), key, now);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Saves the credentials for `key`: a new 0600 file beside the cache file, then renamed over it, so a reader
 * sees the old entry or the new one, never half of one (and a link in its place is replaced, not followed).
 * Returns whether it was saved; a failure only means the next call asks STS again.
 */
export function writeCache(file: string, key: string, credentials: CachedCredentials): boolean {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const entry = {
      Version: 1,
      Key: key,
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: credentials.expiration.toISOString(),
    };
    writeFileSync(temp, JSON.stringify(entry), { mode: 0o600, flag: 'wx' });
    renameSync(temp, file);
    return true;
  } catch {
    rmSync(temp, { force: true });
    return false;
  }
}

/** The entry, checked field by field as STS answers are (src/sts/answer.ts); undefined unless all is right. */
export function parseEntry(text: string, key: string, now: number): CachedCredentials | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return undefined;
  const fields = entry as Record<string, unknown>;
  const expected = ['Version', 'Key', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'];
  const keys = Object.keys(fields);
  if (keys.length !== expected.length || !expected.every((name) => keys.includes(name))) return undefined;
  if (fields.Version !== 1 || fields.Key !== key) return undefined;
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = fields;
  if (
    !matches('AccessKeyId', AccessKeyId) ||
    !matches('SecretAccessKey', SecretAccessKey) ||
    !matches('SessionToken', SessionToken) ||
    typeof Expiration !== 'string'
  ) {
    return undefined;
  }
  const expiration = new Date(Expiration);
  // Only the form this process writes (toISOString): no other date syntax, no time zone games.
  if (Number.isNaN(expiration.getTime()) || expiration.toISOString() !== Expiration) return undefined;
  const left = expiration.getTime() - now;
  if (left <= FRESH_FOR_MS || left > LONGEST_SESSION_MS) return undefined;
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    sessionToken: SessionToken,
    expiration,
  };
}

function matches(field: 'AccessKeyId' | 'SecretAccessKey' | 'SessionToken', value: unknown): value is string {
  return typeof value === 'string' && ANSWER_RULES[field].pattern.test(value);
}

/** This user's, and nobody else's to read or write (Windows has no such modes: the folder's ACL is the job's). */
function ownedAndPrivate(stats: { uid: number; mode: number }, platform: NodeJS.Platform): boolean {
  if (platform === 'win32' || process.getuid === undefined) return true;
  return stats.uid === process.getuid() && (stats.mode & 0o077) === 0;
}
