import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { linkedFolder } from '../../src/safe-paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'safe-paths-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('linkedFolder', () => {
  it('finds nothing on a path of real folders, or one that does not exist yet', () => {
    mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    expect(linkedFolder(path.join(dir, 'a', 'b', 'file'))).toBeUndefined();
    expect(linkedFolder(path.join(dir, 'missing', 'file'))).toBeUndefined();
  });

  it("finds the file's own folder when it is a link", () => {
    mkdirSync(path.join(dir, 'real'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, '.aws'));
    expect(linkedFolder(path.join(dir, '.aws', 'credentials'))).toBe(path.join(dir, '.aws'));
  });

  it('finds a linked folder further up only inside `within`', () => {
    mkdirSync(path.join(dir, 'real', 'sub'), { recursive: true });
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'link'));
    const file = path.join(dir, 'link', 'sub', 'token');
    expect(linkedFolder(file, { within: dir })).toBe(path.join(dir, 'link'));
    expect(linkedFolder(file)).toBeUndefined();
    expect(linkedFolder(file, { within: path.join(dir, 'link', 'sub') })).toBeUndefined();
  });

  it('allows the links directly under the root that systems ship (macOS /tmp → private/tmp)', () => {
    expect(linkedFolder('/tmp/token')).toBeUndefined();
    expect(linkedFolder('/token')).toBeUndefined();
  });
});
