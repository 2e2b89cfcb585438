import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { plainLine } from '../../src/log-line.js';
import { actionsRunner } from '../../src/runner.js';

describe('plainLine', () => {
  it.each([
    [
      'Authenticated as arn:aws:sts::123456789012:assumed-role/deploy/x',
      'Authenticated as arn:aws:sts::123456789012:assumed-role/deploy/x',
    ],
    [
      'arn:aws:sts::1:assumed-role/a/b\n::warning::injected',
      'arn:aws:sts::1:assumed-role/a/b\\n::warning::injected',
    ],
    ['one\r\ntwo\rthree\nfour', 'one\\ntwo\\nthree\\nfour'],
    ['::save-state name=x::y', '» ::save-state name=x::y'],
    ['   ::add-mask::x', '»    ::add-mask::x'],
    ['\t##[set-env name=A]b', '» \t##[set-env name=A]b'],
    ['\n::error::x', '\\n::error::x'],
    ['a :: b', 'a :: b'],
  ])('%j → %j', (text, line) => {
    expect(plainLine(text)).toBe(line);
  });
});

describe("the real runner's info", () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('prints one line, never a workflow command', () => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    actionsRunner.info('Role name x is arn:aws:iam::1:role/x\n::save-state name=profile-sections::[]');
    expect(written.join('').trimEnd().split('\n')).toEqual([
      'Role name x is arn:aws:iam::1:role/x\\n::save-state name=profile-sections::[]',
    ]);
  });
});
