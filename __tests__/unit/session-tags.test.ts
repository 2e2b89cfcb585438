import { describe, expect, it } from '@jest/globals';
import {
  MAX_TAGS,
  PROTECTED_TAG_KEYS,
  sanitizeTagValue,
  sessionTags,
  type RunContext,
} from '../../src/sts/session-tags.js';

const RUN: RunContext = {
  repository: 'octo-org/octo-repo',
  workflow: 'Deploy',
  action: '__run_2',
  actor: 'octocat',
  sha: '0123456789abcdef0123456789abcdef01234567',
  ref: 'refs/heads/main',
  eventName: 'pull_request',
  runId: '1658821493',
  job: 'deploy',
  triggeringActor: 'hubot',
  baseRef: 'main',
  headRef: 'feature/login',
};

const STANDARD = [
  { Key: 'GitHub', Value: 'Actions' },
  { Key: 'Repository', Value: 'octo-org/octo-repo' },
  { Key: 'Workflow', Value: 'Deploy' },
  { Key: 'Action', Value: '__run_2' },
  { Key: 'Actor', Value: 'octocat' },
  { Key: 'Commit', Value: '0123456789abcdef0123456789abcdef01234567' },
  { Key: 'Branch', Value: 'refs/heads/main' },
];
const OPTIONAL = [
  { Key: 'EventName', Value: 'pull_request' },
  { Key: 'BaseRef', Value: 'main' },
  { Key: 'HeadRef', Value: 'feature/login' },
  { Key: 'RunId', Value: '1658821493' },
  { Key: 'Job', Value: 'deploy' },
  { Key: 'TriggeringActor', Value: 'hubot' },
];

const customTags = (count: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`Custom${i}`, `v${i}`]));

describe('sanitizeTagValue', () => {
  it.each([
    ['refs/heads/main', 'refs/heads/main'],
    ['Deploy to prod: eu-west-1 @v2 (x=1+2)', 'Deploy to prod: eu-west-1 @v2 _x=1+2_'],
    ['feature/ü#1', 'feature/ü_1'],
    ['名前 ٣', '名前 ٣'],
    ['ci 🚀 release', 'ci _ release'],
    ['it\'s "quoted", ok?', 'it_s _quoted__ ok_'],
    ['tab\tand\nnewline', 'tab_and_newline'],
    ['', ''],
  ])('makes %j %j', (value, expected) => {
    expect(sanitizeTagValue(value)).toBe(expected);
  });

  it.each([
    ['a'.repeat(300), 'a'.repeat(256)],
    ['a'.repeat(256), 'a'.repeat(256)],
    ['ü'.repeat(300), 'ü'.repeat(256)],
    ['😀'.repeat(300), '_'.repeat(256)],
  ])('cuts %#: to 256 characters', (value, expected) => {
    expect(sanitizeTagValue(value)).toBe(expected);
  });
});

describe('sessionTags', () => {
  it('sends the standard tags, then the optional ones', () => {
    expect(sessionTags(RUN, {}, { withOptional: true })).toEqual([...STANDARD, ...OPTIONAL]);
  });

  it('leaves the optional tags out when asked', () => {
    expect(sessionTags(RUN, {}, { withOptional: false })).toEqual(STANDARD);
  });

  it('appends custom tags after the action’s own', () => {
    const tags = sessionTags(RUN, { Team: 'platform', 'Cost Center': '42' }, { withOptional: true });
    expect(tags).toEqual([
      ...STANDARD,
      ...OPTIONAL,
      { Key: 'Team', Value: 'platform' },
      { Key: 'Cost Center', Value: '42' },
    ]);
  });

  it('sanitises the values taken from the run', () => {
    const run = { ...RUN, workflow: 'Deploy (prod) #1', ref: 'refs/heads/feature/ü#1', job: 'x'.repeat(300) };
    const tags = sessionTags(run, {}, { withOptional: true });
    expect(tags).toContainEqual({ Key: 'Workflow', Value: 'Deploy _prod_ _1' });
    expect(tags).toContainEqual({ Key: 'Branch', Value: 'refs/heads/feature/ü_1' });
    expect(tags).toContainEqual({ Key: 'Job', Value: 'x'.repeat(256) });
  });

  it('drops tags whose value is empty (BaseRef and HeadRef outside pull requests)', () => {
    const run = {
      ...RUN,
      workflow: '',
      action: '',
      triggeringActor: '',
      runId: '',
      baseRef: '',
      headRef: '',
    };
    const keys = sessionTags(run, {}, { withOptional: true }).map((tag) => tag.Key);
    expect(keys).toEqual(['GitHub', 'Repository', 'Actor', 'Commit', 'Branch', 'EventName', 'Job']);
  });

  it('sanitises and cuts BaseRef and HeadRef like the other tags', () => {
    const run = { ...RUN, baseRef: 'release/ü#2', headRef: `feature/${'x'.repeat(300)}` };
    const tags = sessionTags(run, {}, { withOptional: true });
    expect(tags).toContainEqual({ Key: 'BaseRef', Value: 'release/ü_2' });
    expect(tags).toContainEqual({ Key: 'HeadRef', Value: `feature/${'x'.repeat(248)}` });
  });

  it.each([
    [0, 6],
    [37, 6],
    [38, 5],
    [42, 1],
    [43, 0],
  ])('with %i custom tags, adds %i optional tags to stay within 50', (custom, optional) => {
    const tags = sessionTags(RUN, customTags(custom), { withOptional: true });
    expect(tags).toEqual([
      ...STANDARD,
      ...OPTIONAL.slice(0, optional),
      ...Object.entries(customTags(custom)).map(([Key, Value]) => ({ Key, Value })),
    ]);
    expect(tags.length).toBeLessThanOrEqual(MAX_TAGS);
  });

  it('counts only the standard tags that are sent when making room', () => {
    const run = { ...RUN, workflow: '', action: '' };
    const tags = sessionTags(run, customTags(43), { withOptional: true });
    expect(tags.map((tag) => tag.Key)).toEqual([
      'GitHub',
      'Repository',
      'Actor',
      'Commit',
      'Branch',
      'EventName',
      'BaseRef',
      ...Object.keys(customTags(43)),
    ]);
  });

  it('protects the keys of every standard and optional tag', () => {
    expect([...PROTECTED_TAG_KEYS].sort()).toEqual([...STANDARD, ...OPTIONAL].map((tag) => tag.Key).sort());
  });
});
