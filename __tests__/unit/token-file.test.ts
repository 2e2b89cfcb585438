import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ActionError } from '../../src/errors.js';
import { readWebIdentityTokenFile } from '../../src/sources/token-file.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpjaSJ9.c2lnbmF0dXJl';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'token-file-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a token file in the temp folder and returns its absolute path. */
function tokenFile(contents: string | Buffer, name = 'token'): string {
  const file = path.join(dir, name);
  writeFileSync(file, contents);
  return file;
}

describe('readWebIdentityTokenFile', () => {
  it.each([
    ['as it is', JWT],
    ['trimmed of a trailing line break', `${JWT}\n`],
    ['trimmed of spaces and CRLF', `  ${JWT} \r\n`],
  ])('reads the token %s', async (_how, contents) => {
    await expect(readWebIdentityTokenFile(tokenFile(contents))).resolves.toBe(JWT);
  });

  it('refuses a directory with a message instead of a raw EISDIR', async () => {
    await expect(readWebIdentityTokenFile(dir)).rejects.toThrow(/is not a regular file/);
  });

  it('reads a token of exactly 64 KiB', async () => {
    const token = 'a'.repeat(64 * 1024);
    await expect(readWebIdentityTokenFile(tokenFile(token))).resolves.toBe(token);
  });

  it('refuses a file over 64 KiB', async () => {
    const file = tokenFile('a'.repeat(64 * 1024 + 1));
    await expect(readWebIdentityTokenFile(file)).rejects.toThrow(ActionError);
    await expect(readWebIdentityTokenFile(file)).rejects.toThrow(
      `web-identity-token-file ${file} is 65537 bytes, too large for a web identity token (at most 65536)`,
    );
  });

  it.each([
    ['empty', ''],
    ['only white space', ' \n\t\r\n'],
  ])('refuses a file that is %s', async (_what, contents) => {
    const file = tokenFile(contents);
    await expect(readWebIdentityTokenFile(file)).rejects.toThrow(ActionError);
    await expect(readWebIdentityTokenFile(file)).rejects.toThrow(
      `web-identity-token-file ${file} is empty: it should hold a web identity token (a JWT)`,
    );
  });

  it('says which file is missing and where relative paths start', async () => {
    const file = path.join(dir, 'missing-token');
    await expect(readWebIdentityTokenFile(file)).rejects.toThrow(ActionError);
    await expect(readWebIdentityTokenFile(file)).rejects.toThrow(
      `web-identity-token-file ${file} can't be read (ENOENT): check the path; relative paths start at GITHUB_WORKSPACE`,
    );
  });

  it.each([
    ['to a token', () => tokenFile(JWT, 'real-token')],
    ['to a missing file', () => path.join(dir, 'nowhere')],
  ])('refuses a symbolic link %s outside the Kubernetes token folders', async (_to, target) => {
    const link = path.join(dir, 'token-link');
    symlinkSync(target(), link);
    await expect(readWebIdentityTokenFile(link)).rejects.toThrow(ActionError);
    await expect(readWebIdentityTokenFile(link)).rejects.toThrow(
      `web-identity-token-file ${link} is a symbolic link; links are followed only for Kubernetes service-account tokens (/var/run/secrets/eks.amazonaws.com/serviceaccount/, /var/run/secrets/kubernetes.io/serviceaccount/): point the input at the file itself`,
    );
  });

  it('refuses a token whose folder is a symbolic link (as configure-aws-credentials does)', async () => {
    const real = path.join(dir, 'real');
    mkdirSync(real);
    writeFileSync(path.join(real, 'token'), JWT);
    symlinkSync(real, path.join(dir, 'tokens'));
    const file = path.join(dir, 'tokens', 'token');
    await expect(readWebIdentityTokenFile(file)).rejects.toThrow(
      `web-identity-token-file ${file} is reached through ${path.join(dir, 'tokens')}, a symbolic link;`,
    );
  });

  it('refuses a token reached through a linked folder anywhere inside the workspace', async () => {
    const elsewhere = path.join(dir, 'elsewhere');
    mkdirSync(path.join(elsewhere, 'deep'), { recursive: true });
    writeFileSync(path.join(elsewhere, 'deep', 'token'), JWT);
    const workspace = path.join(dir, 'workspace');
    mkdirSync(workspace);
    symlinkSync(elsewhere, path.join(workspace, 'linked'));
    const file = path.join(workspace, 'linked', 'deep', 'token');
    await expect(readWebIdentityTokenFile(file, workspace)).rejects.toThrow(
      `is reached through ${path.join(workspace, 'linked')}, a symbolic link`,
    );
    // Outside the workspace only the file's own folder is checked, as the reference does.
    await expect(readWebIdentityTokenFile(file)).resolves.toBe(JWT);
  });
});
