// The checks the fault, bad-input and load suites rely on must catch what they look for, or those suites would
// pass for nothing.
import { describe, expect, it } from '@jest/globals';
import { expectNoStackTrace, retryLines, workflowCommands } from './step-checks.js';
import type { ActionStep } from './world/runner.js';

describe('workflowCommands', () => {
  it('finds every line the runner would act on, in both syntaxes, and nothing inside a line', () => {
    const log = [
      '::set-output name=aws-account-id::666666666666',
      '##[set-env name=AWS_PROFILE;]attacker',
      '::add-mask::a%0Ab',
      'Assuming role as ::set-output name=x::y',
      '::group::Getting AWS credentials',
    ].join('\n');
    expect(workflowCommands(log)).toEqual([
      { name: 'set-output', value: '666666666666' },
      { name: 'set-env', value: 'attacker' },
      { name: 'add-mask', value: 'a\nb' },
      { name: 'group', value: 'Getting AWS credentials' },
    ]);
  });
});

describe('expectNoStackTrace', () => {
  it('fails on a stack frame of the bundle, and accepts one on a ::debug:: line', () => {
    const frame = '    at assume (file:///home/runner/work/_actions/o/a/v1/dist/index.js:1:2345)';
    expect(() => expectNoStackTrace(`::error::Could not assume\n${frame}`)).toThrow();
    expect(() => expectNoStackTrace('    at node:internal/process/task_queues:95:5')).toThrow();
    expect(() => expectNoStackTrace(`::error::Could not assume\n::debug::${frame.trim()}`)).not.toThrow();
  });
});

describe('retryLines', () => {
  it('reads attempt, limit and code, for STS and for the ID-token request separately', () => {
    const log = [
      'STS request attempt 1 of 12 failed (Throttling); trying again',
      'GitHub ID-token request attempt 2 of 5 failed (HTTP503); trying again',
    ].join('\n');
    const step = { log } as ActionStep;
    expect(retryLines(step, 'STS request')).toEqual([{ attempt: 1, of: 12, code: 'Throttling' }]);
    expect(retryLines(step, 'GitHub ID-token request')).toEqual([{ attempt: 2, of: 5, code: 'HTTP503' }]);
  });
});
