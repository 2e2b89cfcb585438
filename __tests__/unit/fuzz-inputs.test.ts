import {
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  lstatSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';

import { run } from '../../src/main.js';
import { meaningfulLines } from '../../src/inputs/plan-lines.js';
import {
  caseArbitrary,
  ENV_SECRETS,
  FUZZED_INPUTS,
  INPUTS_WITH_NEAR_MISSES,
  STAND_IN_NAMES,
  validValue,
  WORKSPACE,
  type EnvOverrides,
  type FuzzCase,
  type Inputs,
} from './fixtures/arbitraries.js';
import { ACTION_INPUTS } from './fixtures/inputs.js';
import {
  FakeRunner,
  keyInputs,
  makeJwt,
  mockSts,
  ROLE_ARN,
  SOURCE_KEYS,
  TEMP_SECRETS,
  TestWorld,
  type RecordedCall,
} from './fixtures/runner.js';

// Property-based fuzzing of every input action.yml declares, the variables that stand in for inputs and a few
// others the action reads, with STS mocked to answer at once (so no retry or backoff ever waits) and GitHub
// OIDC available. Whatever the values, the main step settles, and either succeeds or fails cleanly: one error,
// nothing handed to later steps, no request when an input is refused, no stack trace, no secret shown.
//
// A fixed seed and a bounded number of cases run with `npm test`; a longer run on demand:
//   npm run fuzz                                  5000 cases, the default seed
//   FUZZ_RUNS=20000 FUZZ_SEED=random npm run fuzz  (FUZZ_SEED=<n> for a given one)
//   FUZZ_STATS=1 npm run fuzz                     also prints how the cases ended, to check the mix reaches STS
// On a failure fast-check prints the seed, the path and the shrunk counterexample: replay it with
// FUZZ_SEED=<seed> FUZZ_PATH=<path> npm run fuzz. (`npm run test:unit -- <file>` runs every unit test: jest
// reads the file as one more --selectProjects name.)

/** FUZZ_SEED=random picks one (fast-check prints it with any counterexample). */
const SEED =
  process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261201);
/** `npm run fuzz` runs 5000 cases unless told otherwise; `npm test` 300. */
const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.npm_lifecycle_event === 'fuzz' ? 5000 : 300));
const PATH = process.env.FUZZ_PATH;
/** FUZZ_STATS=1: print how the cases ended (successes by source, failures by the input they name). */
const STATS = process.env.FUZZ_STATS === '1';
/** Far above what a case takes (a few ms): a case that needs this long hangs. */
const CASE_WALL_TIME_MS = 10_000;

jest.setTimeout(Math.max(60_000, RUNS * 400));

const sts = mockSts();

/** fast-check settings: the seed and run count from the environment, or the defaults. */
function params<T>(runs = RUNS): fc.Parameters<T> {
  return { seed: SEED, numRuns: runs, ...(PATH !== undefined && { path: PATH }) };
}

/** Names whose leading place in a failure message makes it an input error: inputs and their stand-ins. */
const INPUT_NAMES = new Set([
  ...ACTION_INPUTS,
  ...STAND_IN_NAMES,
  'AWS_ENDPOINT_URL_STS',
  'AWS_ENDPOINT_URL',
]);
const SECRET_INPUTS = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'];
/** Runner methods that write something a reader of the job (or a later step) sees. */
const OUTPUT_METHODS: ReadonlySet<RecordedCall['method']> = new Set([
  'exportVariable',
  'setOutput',
  'saveState',
  'info',
  'warning',
  'debug',
  'setFailed',
  'startGroup',
  'appendSummary',
]);
const STACK_LINE = /^\s+at \S/m;
/** A JavaScript error that reached the user as it was thrown, instead of a message saying what to change. */
const INTERNAL_ERROR = new RegExp(
  [
    /^(Error|TypeError|RangeError|SyntaxError|ReferenceError)\b/,
    /^Invalid URL/,
    /ERR_INVALID_URL/,
    // A Node system error as thrown ("EISDIR: illegal operation…"), or as messageOf shows one from another realm.
    /^E[A-Z]{2,}: /,
    /^\{"(errno|code)"/,
    /Cannot read propert|is not a function|is not iterable|Maximum call stack/,
    /^undefined$|^\[object /,
  ]
    .map((pattern) => pattern.source)
    .join('|'),
);

/** What one case did. */
interface Outcome {
  readonly runner: FakeRunner;
  readonly settled: 'resolved' | 'rejected' | 'hung';
  readonly thrown: unknown;
  readonly stsRequests: readonly string[];
  readonly filesBefore: string;
  readonly filesAfter: string;
  readonly inputs: Inputs;
  readonly env: NodeJS.ProcessEnv;
}

/** The workspace's files as text (path, kind, content or link target), to see what a run changed. */
function snapshot(dir: string): string {
  const lines: string[] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const file = path.join(folder, name);
      const stat = lstatSync(file);
      const relative = path.relative(dir, file);
      if (stat.isSymbolicLink()) lines.push(`${relative} -> ${readlinkSync(file)}`);
      else if (stat.isDirectory()) {
        lines.push(`${relative}/ ${(stat.mode & 0o777).toString(8)}`);
        walk(file);
      } else {
        const text = stat.size > 4096 ? `${stat.size} bytes` : JSON.stringify(readFileSync(file, 'utf8'));
        lines.push(`${relative} ${(stat.mode & 0o777).toString(8)} ${text}`);
      }
    }
  };
  walk(dir);
  return lines.join('\n');
}

/** The files a workflow's values may point at: token files of every kind, a linked folder, a folder. */
async function arrangeWorkspace(world: TestWorld, existingProfile: string | undefined): Promise<void> {
  const token = await makeJwt({ sub: 'system:serviceaccount:ci:deployer' });
  writeFileSync(path.join(world.dir, 'token.jwt'), token);
  mkdirSync(path.join(world.dir, 'sub'));
  writeFileSync(path.join(world.dir, 'sub', 'token.jwt'), token);
  writeFileSync(path.join(world.dir, 'empty.jwt'), '');
  writeFileSync(path.join(world.dir, 'big.jwt'), 'a'.repeat(64 * 1024 + 1));
  symlinkSync(path.join(world.dir, 'token.jwt'), path.join(world.dir, 'link.jwt'));
  mkdirSync(path.join(world.dir, 'real'));
  symlinkSync(path.join(world.dir, 'real'), path.join(world.dir, 'linked'));
  mkdirSync(path.join(world.dir, 'other'));
  if (existingProfile !== undefined) {
    world.write(
      world.credentialsFile,
      `[${existingProfile}]\naws_access_key_id = AKIAEARLIERSTEP00001\naws_secret_access_key = earlierStepSecret\n`,
    );
    const header = existingProfile === 'default' ? 'default' : `profile ${existingProfile}`;
    world.write(world.configFile, `[${header}]\nregion = eu-west-1\n`);
  }
}

const placed = (value: string, dir: string): string => value.split(WORKSPACE).join(dir);

/** Runs the main step once for the case, in a fresh world, bounded in wall time. */
async function runCase(c: FuzzCase): Promise<Outcome> {
  const world = new TestWorld();
  const cwd = process.cwd();
  try {
    await arrangeWorkspace(world, c.existingProfile);
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, placed(v, world.dir)]));
    const overrides: EnvOverrides = Object.fromEntries(
      Object.entries(c.env).map(([k, v]) => [k, v === undefined ? v : placed(v, world.dir)]),
    );
    // USERPROFILE: with platform win32 the home folder would otherwise be this machine's.
    const env = world.env({ USERPROFILE: world.dir, ...overrides });
    const runner = new FakeRunner({ inputs, debug: c.debug });
    const filesBefore = snapshot(world.dir);
    sts.resetHistory();

    // Relative AWS_CONFIG_FILE and the like resolve against the working folder: on a runner, the workspace.
    process.chdir(world.dir);
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>(
      (resolve) => (timer = setTimeout(() => resolve('hung'), CASE_WALL_TIME_MS)),
    );
    let thrown: unknown;
    const settled = await Promise.race([
      run(runner, env, c.platform).then(
        () => 'resolved' as const,
        (error: unknown) => ((thrown = error), 'rejected' as const),
      ),
      hung,
    ]);
    clearTimeout(timer);
    const stsRequests = sts.calls().map((call) => (call.args[0] as object).constructor.name);
    return {
      runner,
      settled,
      thrown,
      stsRequests,
      filesBefore,
      filesAfter: snapshot(world.dir),
      inputs,
      env,
    };
  } finally {
    process.chdir(cwd);
    world.dispose();
  }
}

/** A secret's problems: an output carried it before setSecret had it (or setSecret never had it). */
function maskedFirstProblems(runner: FakeRunner, secret: string, what: string): string[] {
  const maskedAt = runner.calls.findIndex((call) => call.method === 'setSecret' && call.args[0] === secret);
  const end = maskedAt === -1 ? runner.calls.length : maskedAt;
  const early = runner.calls
    .slice(0, end)
    .map((call, index) => ({ call, index }))
    .filter(({ call }) => OUTPUT_METHODS.has(call.method) && call.args.some((arg) => arg.includes(secret)));
  return [
    ...(maskedAt === -1 && (what.startsWith('input') || early.length > 0)
      ? [`${what} was never passed to setSecret`]
      : []),
    ...early.map(({ call, index }) => `${call.method} (call ${index}) carried ${what} before it was masked`),
  ];
}

/** The first word of a failure message, when it is an input (or a variable standing in for one). */
function inputNamed(message: string): string | undefined {
  const first = /^[\w-]+/.exec(message)?.[0];
  return first !== undefined && INPUT_NAMES.has(first) ? first : undefined;
}

/** Everything wrong with one outcome, as readable lines (empty when the properties hold). */
function problemsOf(o: Outcome, debug: boolean): string[] {
  const { runner } = o;
  const problems: string[] = [];
  if (o.settled === 'hung') return [`run() did not settle within ${CASE_WALL_TIME_MS} ms`];
  if (o.settled === 'rejected') return [`run() rejected: ${String((o.thrown as Error)?.stack ?? o.thrown)}`];

  const secretInputs = SECRET_INPUTS.map((name) => [name, o.inputs[name]?.trim() ?? ''] as const).filter(
    ([, value]) => value !== '',
  );
  const failures = runner.failures;
  if (failures.length > 0) {
    if (failures.length !== 1) problems.push(`setFailed was called ${failures.length} times`);
    for (const method of ['exportVariable', 'setOutput', 'saveState'] as const) {
      const calls = runner.callsOf(method);
      if (calls.length > 0)
        problems.push(`failed, but ${method} was called: ${JSON.stringify(calls).slice(0, 300)}`);
    }
    const message = failures[0]!;
    const input = inputNamed(message);
    if (input !== undefined && o.stsRequests.length > 0)
      problems.push(`an input error (${input}) came after STS requests: ${o.stsRequests.join(', ')}`);
    if (input !== undefined && runner.callsOf('getIDToken').length > 0)
      problems.push(`an input error (${input}) came after a GitHub OIDC token request`);
    for (const [name, value] of secretInputs) {
      if (value.length >= 4 && message.includes(value))
        problems.push(`the failure message shows ${name}'s value`);
      if (value.length >= 4 && runner.summary.includes(value))
        problems.push(`the job summary shows ${name}'s value`);
    }
    if (INTERNAL_ERROR.test(message))
      problems.push(
        `the failure is an internal JavaScript error, not an explanation: ${message.slice(0, 200)}`,
      );
    if (o.filesAfter !== o.filesBefore)
      problems.push(`failed, but files changed:\n${diff(o.filesBefore, o.filesAfter)}`);
  }

  if (failures.length === 0) {
    // With profiles and no role-to-assume, a web identity token signs only the profiles' roles: no final
    // credentials of the step's own, so no outputs for them.
    const profilesOnly =
      (o.inputs.profiles ?? '').trim() !== '' &&
      meaningfulLines(o.inputs['role-to-assume'] || (o.env.ROLE_TO_ASSUME ?? '')).length === 0 &&
      (o.inputs['aws-access-key-id'] ?? '').trim() === '';
    for (const output of ['aws-account-id', 'authenticated-arn'])
      if (runner.outputs[output] === undefined && !profilesOnly)
        problems.push(`succeeded without the ${output} output`);
    for (const method of ['exportVariable', 'setOutput', 'saveState'] as const)
      for (const [name, value] of runner.callsOf(method))
        if (/[\r\n]/.test(`${name}${value}`)) problems.push(`${method} ${name} holds a line break`);
  }

  for (const call of runner.calls) {
    if (!OUTPUT_METHODS.has(call.method) || (debug && call.method === 'debug')) continue;
    if (call.args.some((arg) => STACK_LINE.test(arg)))
      problems.push(`${call.method} has a stack trace without debug: ${call.args.join(' ').slice(0, 300)}`);
  }

  for (const [name, value] of secretInputs)
    problems.push(...maskedFirstProblems(runner, value, `input ${name}`));
  runner.issuedTokens.forEach((token, i) =>
    problems.push(...maskedFirstProblems(runner, token, `GitHub OIDC token ${i + 1}`)),
  );
  for (const secret of TEMP_SECRETS) problems.push(...maskedFirstProblems(runner, secret, 'STS credential'));
  for (const [name, secret] of Object.entries(ENV_SECRETS))
    if (o.env[name] === secret) problems.push(...maskedFirstProblems(runner, secret, name));
  return problems;
}

function count(seen: Map<string, number>, o: Outcome): void {
  const failure = o.runner.failures[0];
  const source = /^Credential source: ([\w-]+)/m.exec(o.runner.log)?.[1] ?? 'none';
  const key =
    failure === undefined
      ? `ok ${source}`
      : `failed ${inputNamed(failure) ?? `"${failure.slice(0, 40)}"`}${o.stsRequests.length > 0 ? ' (after STS)' : ''}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

function report(seen: Map<string, number>): void {
  const lines = [...seen].sort((a, b) => b[1] - a[1]).map(([key, n]) => `${String(n).padStart(6)}  ${key}`);
  process.stdout.write(`fuzz outcomes (seed ${SEED}, ${RUNS} cases):\n${lines.join('\n')}\n`);
}

function diff(before: string, after: string): string {
  const a = new Set(before.split('\n'));
  const b = new Set(after.split('\n'));
  return [
    ...[...a].filter((line) => !b.has(line)).map((line) => `- ${line}`),
    ...[...b].filter((line) => !a.has(line)).map((line) => `+ ${line}`),
  ]
    .join('\n')
    .slice(0, 1000);
}

/** Throws with the problems and what the step said, so fast-check's report shows them next to the case. */
function assertNoProblems(o: Outcome, problems: readonly string[]): void {
  if (problems.length === 0) return;
  const said = o.runner.calls
    .filter((call) => ['setFailed', 'warning', 'info'].includes(call.method))
    .map((call) => `  ${call.method}: ${call.args.join(' ').slice(0, 400)}`)
    .join('\n');
  throw new Error(
    `${problems.map((p) => `- ${p}`).join('\n')}\nSTS requests: ${o.stsRequests.join(', ') || 'none'}\n${said}`,
  );
}

describe('fuzzing every input', () => {
  it('has valid values and near-misses for exactly the inputs action.yml declares', () => {
    expect([...FUZZED_INPUTS].sort()).toEqual([...ACTION_INPUTS].sort());
    expect([...INPUTS_WITH_NEAR_MISSES].sort()).toEqual([...ACTION_INPUTS].sort());
  });

  it(`settles, and succeeds or fails cleanly (seed ${SEED}, ${RUNS} cases)`, async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const outcome = await runCase(c);
        if (STATS) count(seen, outcome);
        assertNoProblems(outcome, problemsOf(outcome, c.debug));
      }),
      params(),
    );
    if (STATS) report(seen);
  });
});

// ---- Issue 11 targets (/tmp/issue11/spec.md items 4, 5 and 8) --------------------------------------------

const plain = (inputs: Inputs, env: EnvOverrides = {}, debug = false): FuzzCase => ({
  inputs,
  env,
  debug,
  platform: 'linux',
  existingProfile: undefined,
});

describe('secret inputs: visible ASCII only, at most 128 / 128 / 16384 characters (issue 11, item 8)', () => {
  it('aws-session-token "€" with keys fails naming aws-session-token, not a header', async () => {
    const o = await runCase(
      plain({
        'aws-region': 'us-east-1',
        ...keyInputs(),
        'aws-session-token': '€',
        'role-to-assume': ROLE_ARN,
      }),
    );
    assertNoProblems(o, problemsOf(o, false));
    expect(o.runner.failures).toHaveLength(1);
    expect(o.runner.failures[0]).toContain('aws-session-token');
    expect(o.runner.failures[0]).not.toMatch(/header|ERR_INVALID_CHAR/i);
    expect(o.stsRequests).toEqual([]);
  });

  const visible = fc.stringMatching(/^[\x21-\x7e]{1,20}$/);
  const invisible = fc.oneof(
    fc.constantFrom(' ', '\t', '€', '🔑', '\u0000', '\u007f', '\u00a0', '\u200b', 'é', '\ud800'),
    fc.string({
      unit: fc.integer({ min: 0x7f, max: 0xffff }).map((c) => String.fromCharCode(c)),
      minLength: 1,
    }),
  );
  const badSecret = (max: number): fc.Arbitrary<string> =>
    fc.oneof(
      fc.tuple(visible, invisible, visible).map(([a, bad, b]) => `${a}${bad}${b}`),
      fc.integer({ min: max + 1, max: max + 50 }).map((length) => 'A'.repeat(length)),
    );
  const MAX = { 'aws-access-key-id': 128, 'aws-secret-access-key': 128, 'aws-session-token': 16384 } as const;

  it.each(Object.entries(MAX))(
    '%s outside the rule fails naming it, before any request',
    async (name, max) => {
      await fc.assert(
        fc.asyncProperty(badSecret(max), fc.boolean(), fc.boolean(), async (value, withRole, debug) => {
          const inputs: Inputs = {
            'aws-region': 'us-east-1',
            ...keyInputs({ withToken: true }),
            ...(withRole && { 'role-to-assume': ROLE_ARN }),
            [name]: value,
          };
          const o = await runCase(plain(inputs, {}, debug));
          assertNoProblems(o, problemsOf(o, debug));
          expect(o.runner.failures).toHaveLength(1);
          expect(inputNamed(o.runner.failures[0]!)).toBe(name);
          expect(o.stsRequests).toEqual([]);
        }),
        params(Math.ceil(RUNS / 10)),
      );
    },
  );

  it.each(Object.entries(MAX))(
    '%s within the rule, up to its length limit, is accepted',
    async (name, max) => {
      await fc.assert(
        fc.asyncProperty(
          fc.stringMatching(new RegExp(`^[\\x21-\\x7e]{1,${Math.min(max, 200)}}$`)),
          async (value) => {
            fc.pre(value === value.trim());
            const o = await runCase(
              plain({ 'aws-region': 'us-east-1', ...keyInputs({ withToken: true }), [name]: value }),
            );
            assertNoProblems(o, problemsOf(o, false));
            expect(o.runner.failures).toEqual([]);
          },
        ),
        params(Math.ceil(RUNS / 20)),
      );
      const o = await runCase(
        plain({ 'aws-region': 'us-east-1', ...keyInputs({ withToken: true }), [name]: 'A'.repeat(max) }),
      );
      expect(o.runner.failures).toEqual([]);
    },
  );
});

describe('AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL (issue 11, item 4)', () => {
  const OIDC = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };
  const variable = fc.constantFrom('AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL');

  it('one that is not an http(s) URL fails naming it, before any request', async () => {
    const notHttp = fc.oneof(
      fc.constantFrom(
        'sts.amazonaws.com',
        'ftp://sts.example',
        'not a url',
        'https://',
        'file:///etc/passwd',
        'localhost:4566',
      ),
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
        .filter((s) => s.trim() === s && !/^https?:\/\/./i.test(s)),
    );
    await fc.assert(
      fc.asyncProperty(variable, notHttp, fc.boolean(), async (name, value, keys) => {
        fc.pre(!canParseHttp(value));
        const o = await runCase(plain({ ...OIDC, ...(keys && keyInputs()) }, { [name]: value }));
        assertNoProblems(o, problemsOf(o, false));
        expect(o.runner.failures).toHaveLength(1);
        expect(o.runner.failures[0]).toContain(name);
        expect(o.stsRequests).toEqual([]);
        expect(o.runner.callsOf('getIDToken')).toEqual([]);
      }),
      params(Math.ceil(RUNS / 10)),
    );
  });

  it('one that is an http(s) URL is used and logged; a host outside AWS is warned about with GitHub OIDC', async () => {
    const url = fc.constantFrom(
      'http://localhost:4566',
      'https://sts.us-east-1.amazonaws.com',
      'https://sts.example.test',
      'http://127.0.0.1:5000/',
    );
    await fc.assert(
      fc.asyncProperty(variable, url, async (name, value) => {
        const o = await runCase(plain(OIDC, { [name]: value }));
        assertNoProblems(o, problemsOf(o, false));
        expect(o.runner.failures).toEqual([]);
        const logged = o.runner.callsOf('info').map(([line]) => line as string);
        expect(
          logged.filter((line) => line.startsWith('STS endpoint: ') && line.endsWith(`(${name})`)),
        ).toHaveLength(1);
        const host = new URL(value).hostname;
        if (!/\.amazonaws\.com$/.test(host))
          expect(o.runner.callsOf('warning').some(([line]) => (line as string).includes(host))).toBe(true);
      }),
      params(Math.ceil(RUNS / 20)),
    );
  });
});

function canParseHttp(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** A generated case turned towards GitHub OIDC: a role of the region's partition, no keys or token file. */
const oidcCase = caseArbitrary.map((c): FuzzCase => {
  const inputs: Inputs = { ...c.inputs, 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };
  for (const name of [...SECRET_INPUTS, 'web-identity-token-file', 'role-chaining', 'force-skip-oidc'])
    delete inputs[name];
  const env = { ...c.env };
  for (const name of ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN']) delete env[name];
  return { ...c, inputs, env };
});

describe('ACTIONS_ID_TOKEN_REQUEST_TOKEN (issue 11, item 5)', () => {
  it('is masked before the first GitHub OIDC token request, whatever else the inputs say', async () => {
    await fc.assert(
      fc.asyncProperty(oidcCase, async (c) => {
        const o = await runCase(c);
        const requested = o.runner.calls.findIndex((call) => call.method === 'getIDToken');
        fc.pre(requested !== -1);
        const token = o.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN as string;
        const masked = o.runner.calls.findIndex(
          (call) => call.method === 'setSecret' && call.args[0] === token,
        );
        expect(masked).not.toBe(-1);
        expect(masked).toBeLessThan(requested);
      }),
      { ...params(Math.ceil(RUNS / 5)), maxSkipsPerRun: 100 },
    );
  });
});

// ---- Counterexamples the fuzzer found: fail until src handles them ------------------------------------
// Each is the shrunk case fast-check reported, widened into a small property of its own.

/** The step either succeeded, or failed once, cleanly, with a message that is not a bare JavaScript error. */
function expectHandled(o: Outcome, debug = false): string | undefined {
  assertNoProblems(o, problemsOf(o, debug));
  return o.runner.failures[0];
}

describe('found by fuzzing (fails until src handles them)', () => {
  const OIDC = { 'aws-region': 'us-east-1', 'role-to-assume': ROLE_ARN };
  const KEYS = { 'aws-region': 'us-east-1', ...keyInputs() };

  it('http_proxy / https_proxy (lower case) that is no URL: handled, naming the variable, before any request', async () => {
    // Found: {"inputs":{"aws-region":"us-west-2","role-to-assume":"arn:aws:iam::111122223333:role/="},
    // "env":{"http_proxy":"🔑"}} → setFailed "Invalid URL" (ERR_INVALID_URL) after "Proxy: 🔑 (from http_proxy)".
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('http_proxy', 'https_proxy'),
        fc.constantFrom('🔑', 'http://', 'http://[::1', '${{ secrets.AWS }}', 'not a url', '\u0000'),
        fc.constantFrom(OIDC, KEYS),
        async (name, value, inputs) => {
          const failure = expectHandled(await runCase(plain(inputs, { [name]: value })));
          if (failure !== undefined) expect(failure).toContain(name);
        },
      ),
      params(Math.ceil(RUNS / 20)),
    );
  });

  it('HTTP_PROXY / HTTPS_PROXY of white space only: taken as unset, as for the http-proxy stand-in', async () => {
    // Found: {"inputs":{"aws-region":"us-east-1","role-to-assume":"arn:aws:iam::111122223333:role/a"},
    // "env":{"HTTP_PROXY":" "}} → setFailed "Invalid URL" (ERR_INVALID_URL) after "Proxy:   (from HTTP_PROXY)".
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'),
        fc.constantFrom(' ', '\t', '  \t '),
        fc.constantFrom(OIDC, KEYS),
        async (name, value, inputs) => {
          expect(expectHandled(await runCase(plain(inputs, { [name]: value })))).toBeUndefined();
        },
      ),
      params(Math.ceil(RUNS / 20)),
    );
  });

  it('AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE naming a folder: handled, naming the file, not EISDIR', async () => {
    // Found: {"inputs":{"aws-region":"us-west-2","role-to-assume":"arn:aws:iam::111122223333:role/.",
    // "aws-profile":"ci"},"env":{"AWS_CONFIG_FILE":"<workspace>"}} → setFailed "EISDIR: illegal operation on a
    // directory, read" before any request; and with "env":{"AWS_PROFILE":" ","AWS_CONFIG_FILE":"<workspace>"}
    // and no aws-profile, the same after AssumeRoleWithWebIdentity (writing the assume-aws-role-env profile).
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'),
        fc.constantFrom<Inputs>(
          { ...OIDC, 'aws-profile': 'ci' },
          { ...KEYS, 'aws-profile': 'ci' },
          OIDC,
          KEYS,
        ),
        fc.constantFrom<EnvOverrides>({}, { AWS_PROFILE: 'dev' }, { AWS_PROFILE: ' ' }),
        async (name, inputs, env) => {
          const o = await runCase(plain(inputs, { ...env, [name]: WORKSPACE }));
          const failure = expectHandled(o);
          if (failure !== undefined) expect(failure).toMatch(new RegExp(`${name}|${o.env[name]}`));
        },
      ),
      params(Math.ceil(RUNS / 20)),
    );
  });

  it('action-timeout-s past 2147483 seconds: no immediate timeout (setTimeout overflows to 1 ms)', async () => {
    // Found by hand from the fuzzer's TimeoutOverflowWarning: {"aws-region":"us-east-1","role-to-assume":
    // "arn:aws:iam::111122223333:role/deploy","action-timeout-s":"2147484"} → "The step ran out of time while
    // fetching the GitHub OIDC token (action-timeout-s is 2147484 seconds)" at once; same with a token file.
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(2147484, Number.MAX_SAFE_INTEGER), fc.integer({ min: 2147484 })),
        fc.constantFrom<Inputs>(OIDC, { ...OIDC, 'web-identity-token-file': 'token.jwt' }),
        async (seconds, inputs) => {
          const o = await runCase(plain({ ...inputs, 'action-timeout-s': String(seconds) }));
          const failure = expectHandled(o);
          // Refusing the value as an input error would do too; timing out at once would not.
          if (failure !== undefined) expect(inputNamed(failure)).toBe('action-timeout-s');
        },
      ),
      params(Math.ceil(RUNS / 20)),
    );
  });
});

// Keeps the valid-values table honest: every value it calls valid is accepted on its own.
describe('valid values', () => {
  const ALONE: Readonly<Record<string, Inputs>> = {
    'role-chaining': { 'role-to-assume': ROLE_ARN },
    'web-identity-token-file': { 'role-to-assume': ROLE_ARN },
    'aws-access-key-id': { 'aws-secret-access-key': SOURCE_KEYS.secretAccessKey },
    'aws-secret-access-key': { 'aws-access-key-id': SOURCE_KEYS.accessKeyId },
    'aws-session-token': keyInputs(),
    'aws-profile': keyInputs(),
    'refresh-credentials': { 'role-to-assume': ROLE_ARN },
    'allowed-account-ids': {},
    profiles: { 'role-to-assume': ROLE_ARN },
    'role-source-identity': { 'role-to-assume': ROLE_ARN },
    'role-session-name-template': { 'role-to-assume': ROLE_ARN },
    'profile-location': { 'role-to-assume': ROLE_ARN, 'aws-profile': 'ci' },
  };
  /** The roles a role-to-assume or profiles value names: the first word of each line that is not a comment. */
  const rolesIn = (value: string): string[] =>
    value
      .split(/\r\n|\r|\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.replace(/^[^:\s]+\s*:\s*(?=arn:)/, '').split(/\s+/)[0]!);
  it.each(ACTION_INPUTS.filter((name) => name !== 'aws-region'))(
    '%s: each valid value is accepted',
    async (name) => {
      await fc.assert(
        fc.asyncProperty(validValue(name), async (value) => {
          const inputs = { 'aws-region': 'us-east-1', ...ALONE[name], [name]: value };
          fc.pre(!(name === 'allowed-account-ids' && !value.includes('111122223333')));
          fc.pre(!(name === 'transitive-tag-keys' && value.includes('Team')));
          // GitHub OIDC has no account to complete a bare role name with; aws-region is us-east-1.
          fc.pre(
            !['role-to-assume', 'profiles'].includes(name) ||
              rolesIn(value).every((role) => role.startsWith('arn:aws:iam::')),
          );
          const o = await runCase(plain(inputs));
          assertNoProblems(o, problemsOf(o, false));
          expect(o.runner.failures).toEqual([]);
        }),
        params(10),
      );
    },
  );
});
