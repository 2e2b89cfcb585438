// Checks on a finished action step that the fault, bad-input and load suites share: it failed cleanly (one error
// line, nothing handed on), how many attempts STS and the ID-token endpoint saw, which workflow commands it
// printed. Plus a place to note measured figures (wall times, attempts) for whoever reads the run afterwards.
import { expect } from '@jest/globals';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runAction } from './fixture.js';
import type { RecordedRequest } from './world/recording-proxy.js';
import type { ActionStep, Job } from './world/runner.js';
import type { World } from './world/world.js';

type Inputs = Record<string, string | number | boolean>;

/** Variables a credential step may hand to later steps; a failed step hands on none of them. */
export const HANDED_ON_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
];

/** Forgets the previous test's requests, faults, rate limit and ID-token failures. */
export function resetFaults(world: World): void {
  world.sts.reset();
  world.oidc.reset();
}

/**
 * `runAction` (with its secrets rule), timed from the start of the step's process to its end; `endedAt` is
 * Date.now() at the end, comparable with the `at` of recorded requests.
 */
export async function runTimed(
  world: World,
  job: Job,
  inputs: Inputs,
): Promise<{ step: ActionStep; ms: number; endedAt: number }> {
  const started = performance.now();
  const step = await runAction(world, job, inputs);
  const endedAt = Date.now();
  return { step, ms: Math.round(performance.now() - started), endedAt };
}

/** Commands that only change how the log looks: the step's own groups around its lines. */
export const LAYOUT_COMMANDS: ReadonlySet<string> = new Set(['group', 'endgroup']);

/**
 * The files the job's steps wrote under HOME and RUNNER_TEMP (shared credentials and config files, a
 * refresh-credentials config), relative path → content; the runner's own files (file commands, the event) left out.
 */
export function jobFiles(job: Job): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string, under: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const name = `${under}/${entry.name}`;
      if (name === 'RUNNER_TEMP/_runner_file_commands' || name === 'RUNNER_TEMP/event.json') continue;
      if (entry.isDirectory()) walk(full, name);
      else files[name] = readFileSync(full, 'utf8');
    }
  };
  walk(job.home, 'HOME');
  walk(job.runnerTemp, 'RUNNER_TEMP');
  return files;
}

/** A workflow command printed on stdout: the runner acts on every line that starts with `::`. */
export interface WorkflowCommand {
  readonly name: string;
  readonly value: string;
}

/** Every line the runner would treat as a command (`::name ...::value`, and the legacy `##[name ...]value`). */
export function workflowCommands(log: string): WorkflowCommand[] {
  return log.split('\n').flatMap((line) => {
    const command = /^::([^\s:]+)(?: [^:]*)?::(.*)$/.exec(line) ?? /^##\[([^\s\]]+)[^\]]*\](.*)$/.exec(line);
    return command ? [{ name: command[1] ?? '', value: unescapeData(command[2] ?? '') }] : [];
  });
}

/** The step's `::error::` messages, unescaped. */
export function errorMessages(step: ActionStep): string[] {
  return workflowCommands(step.log)
    .filter(({ name }) => name === 'error')
    .map(({ value }) => value);
}

/** Fails when the log shows a stack trace outside `::debug::` lines (only RUNNER_DEBUG=1 may show one). */
export function expectNoStackTrace(log: string): void {
  const frames = log
    .split('\n')
    .filter((line) => !line.startsWith('::debug::'))
    .filter(
      (line) => /^\s*at\s.+:\d+:\d+\)?\s*$/.test(line) || /node:internal|dist\/index\.js:\d/.test(line),
    );
  expect(frames).toEqual([]);
}

/**
 * The step failed with exactly one error line, left no stack trace, and handed nothing on: no variable, output
 * or state, nothing new in the job's environment, no file under HOME or RUNNER_TEMP (the job must be new).
 * Returns the message.
 */
export function expectFailedCleanly(step: ActionStep, job: Job): string {
  expect(step.exitCode).toBe(1);
  expect({ env: step.exported, outputs: step.outputs, state: step.state }).toEqual({
    env: {},
    outputs: {},
    state: {},
  });
  expect(HANDED_ON_VARIABLES.filter((name) => job.env[name] !== undefined)).toEqual([]);
  expect(jobFiles(job)).toEqual({});
  expectNoStackTrace(step.log);
  const errors = errorMessages(step);
  expect(errors).toHaveLength(1);
  return errors[0] ?? '';
}

/** The step succeeded and exported temporary credentials, without a stack trace or error line. */
export function expectCredentials(step: ActionStep): void {
  expect(step.exitCode).toBe(0);
  expect(step.exported.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
  expect(step.exported.AWS_SECRET_ACCESS_KEY).toBeTruthy();
  expect(step.exported.AWS_SESSION_TOKEN).toBeTruthy();
  expect(errorMessages(step)).toEqual([]);
  expectNoStackTrace(step.log);
}

/** The requests STS (the recording proxy) got for one action, in order: one per attempt. */
export function attemptsOf(world: World, action: string): RecordedRequest[] {
  return world.sts.requests.filter((request) => request.action === action);
}

/** A retry line of the step's log: `<what> attempt N of M failed (<code>); trying again`. */
export interface RetryLine {
  readonly attempt: number;
  readonly of: number;
  readonly code: string;
}

/** The step's retry lines for STS requests or for the ID-token request. */
export function retryLines(step: ActionStep, what: 'STS request' | 'GitHub ID-token request'): RetryLine[] {
  const pattern = new RegExp(`^${what} attempt (\\d+) of (\\d+) failed \\((.*)\\); trying again$`);
  return step.log.split('\n').flatMap((line) => {
    const match = pattern.exec(line);
    return match ? [{ attempt: Number(match[1]), of: Number(match[2]), code: match[3] ?? '' }] : [];
  });
}

/**
 * Each AssumeRoleWithWebIdentity attempt carried a token of its own, freshly issued by the ID-token endpoint,
 * which saw exactly one successful request per attempt.
 */
export function expectFreshTokenPerAttempt(world: World): void {
  const attempts = attemptsOf(world, 'AssumeRoleWithWebIdentity');
  const tokens = attempts.map((request) => request.params.WebIdentityToken ?? '');
  const issued = new Set(world.oidc.issued.map(({ token }) => token));
  expect(new Set(tokens).size).toBe(attempts.length);
  expect(tokens.filter((token) => !issued.has(token))).toEqual([]);
  expect(world.oidc.requests.filter(({ status }) => status === 200)).toHaveLength(attempts.length);
}

const FIGURES_FILE = path.join(tmpdir(), 'assume-aws-role-e2e-figures.json');

/**
 * Notes a measured figure (a wall time, an attempt count) in a JSON file under the OS temp dir, so the last run's
 * numbers can be read afterwards without parsing the test output. Returns the file's path.
 */
export function noteFigure(name: string, value: unknown): string {
  let figures: Record<string, unknown> = {};
  try {
    figures = JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // the first figure on this machine, or an unreadable leftover: start again
  }
  // One run's figures only: an earlier (or another) jest process's are dropped, never mixed in.
  if (figures.pid !== process.pid) figures = { pid: process.pid, started: new Date().toISOString() };
  figures[name] = value;
  writeFileSync(FIGURES_FILE, `${JSON.stringify(figures, null, 2)}\n`);
  return FIGURES_FILE;
}

/** Undoes @actions/core's escaping of command values. */
function unescapeData(value: string): string {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
