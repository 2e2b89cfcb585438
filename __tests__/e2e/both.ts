// The differential harness: one scenario, run by both actions (ours, and the vendored reference,
// configure-aws-credentials v6.2.3) in two fresh jobs of the same world at the same time, main and post step.
// Each side gets its own recording proxy in front of the world's moto (and its own forward proxy when the
// scenario names one), so what STS was asked is known per side. What each did comes back normalised so the
// two compare with toEqual: credential values become shape markers, the job's paths become <home> and
// <workspace>, and everything else stays as it was.
import { expect } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { decodeJwt } from 'jose';
import { worldSecrets } from './fixture.js';
import { credentialsIn, findLeaks, type NamedSecret } from './leaks.js';
import { startForwardProxy, type ForwardProxy } from './world/forward-proxy.js';
import { startRecordingProxy, type Fault, type RecordedRequest } from './world/recording-proxy.js';
import type { ActionStep, Job } from './world/runner.js';
import { REFERENCE_ACTION, REPO_ROOT } from './world/tools.js';
import type { World } from './world/world.js';

/** Stands for the side's forward proxy URL in any input or environment value. */
export const FORWARD_PROXY = '<forward proxy>';

export interface Scenario {
  /** `with:`. aws-region and sts-endpoint are the world's (the side's recording proxy) unless given; null leaves one out. */
  readonly inputs?: Readonly<Record<string, string | number | boolean | null>>;
  /** The job's `env:` (on top of the runner's variables). */
  readonly jobEnv?: Readonly<Record<string, string>>;
  /** The step's `env:`. */
  readonly stepEnv?: Readonly<Record<string, string>>;
  /** Files placed before the step: `~/…` under HOME, anything else under the workspace. */
  readonly files?: Readonly<Record<string, string>>;
  /** Symbolic links placed after the files, link → target, both named as in `files`. */
  readonly links?: Readonly<Record<string, string>>;
  /** The job has `permissions: id-token: write`. */
  readonly idToken?: boolean;
  /** The step's id: GITHUB_ACTION, so the Action session tag and the User-Agent's md/action. */
  readonly id?: string;
  /** Served by the side's STS proxy instead of the next matching requests (recording-proxy.js). */
  readonly faults?: readonly Fault[];
}

/** What STS was asked, without what cannot be the same twice (tokens, signatures). */
export interface StsCall {
  action: string;
  /** The form parameters but Action, Version and the tag lists; WebIdentityToken as `<jwt aud=…>`. */
  params: Record<string, string>;
  /** In the order sent. */
  tags: [string, string][];
  transitiveTagKeys: string[];
  signed: boolean;
  /** A marker for the key it was signed with (`<user key>`, `<given key>`, `<ASIA key>`). */
  signingKey?: string | undefined;
  status: number;
  fault?: string | undefined;
}

/** An INI file as sections of keys; values normalised like variables. */
export type Ini = Record<string, Record<string, string>>;

export interface ProfileFiles {
  credentials?: Ini | undefined;
  config?: Ini | undefined;
}

/** One action's run of the scenario, normalised. */
export interface Side {
  ok: boolean;
  exported: Record<string, string>;
  outputs: Record<string, string>;
  sts: StsCall[];
  /** The User-Agent tokens that say who called, deduplicated over all requests: name, md/, exec-env/, app/. */
  userAgent: string[];
  /** The STS actions that went through the forward proxy. */
  viaProxy: string[];
  /** ~/.aws/credentials and ~/.aws/config after the main step. */
  files: ProfileFiles;
  /** The main step appended something to the job summary (GITHUB_STEP_SUMMARY). */
  summary: boolean;
  post: { ok: boolean; exported: Record<string, string>; files: ProfileFiles } | 'skipped';
}

export interface Both {
  ours: Side;
  reference: Side;
  /** The raw steps, for what the normalised sides leave out (the log). */
  steps: { ours: ActionStep; reference: ActionStep };
}

/** Runs the scenario with ours and with the reference, side by side. */
export async function runBoth(world: World, scenario: Scenario): Promise<Both> {
  const [ours, reference] = await Promise.all([
    runSide(world, scenario, REPO_ROOT),
    runSide(world, scenario, REFERENCE_ACTION),
  ]);
  return {
    ours: ours.side,
    reference: reference.side,
    steps: { ours: ours.main, reference: reference.main },
  };
}

async function runSide(
  world: World,
  scenario: Scenario,
  action: string,
): Promise<{ side: Side; main: ActionStep }> {
  const sts = await startRecordingProxy(world.motoUrl);
  const wantsProxy = JSON.stringify(scenario).includes(FORWARD_PROXY);
  const forward: ForwardProxy | undefined = wantsProxy ? await startForwardProxy() : undefined;
  try {
    sts.injectFaults(...(scenario.faults ?? []));
    const fill = (values: Readonly<Record<string, string>> = {}): Record<string, string> =>
      Object.fromEntries(
        Object.entries(values).map(([name, v]) => [name, v.replaceAll(FORWARD_PROXY, forward?.url ?? '')]),
      );
    const jobEnv = fill(scenario.jobEnv);
    // A step that outlives this is stuck (the reference, say, retrying with minutes of backoff): fail, don't wait.
    const job = world.newJob({ idToken: scenario.idToken ?? false, env: jobEnv, stepTimeoutMs: 12_000 });
    const place = (file: string) =>
      file.startsWith('~/') ? path.join(job.home, file.slice(2)) : path.join(job.workspace, file);
    for (const [file, content] of Object.entries(scenario.files ?? {})) {
      mkdirSync(path.dirname(place(file)), { recursive: true });
      writeFileSync(place(file), content);
    }
    for (const [link, target] of Object.entries(scenario.links ?? {})) {
      mkdirSync(path.dirname(place(link)), { recursive: true });
      symlinkSync(place(target), place(link));
    }
    const given = { 'aws-region': world.region, 'sts-endpoint': sts.url, ...scenario.inputs };
    const inputs = fill(
      Object.fromEntries(
        Object.entries(given).flatMap(([name, v]) => (v === null ? [] : [[name, String(v)]])),
      ),
    );

    const main = await job.uses(inputs, {
      env: fill(scenario.stepEnv),
      action,
      ...(scenario.id !== undefined && { id: scenario.id }),
    });
    const files = profileFiles(job);
    const [post] = await job.post();

    const secrets: NamedSecret[] = [
      ...worldSecrets(world, inputs),
      ...sts.requests.flatMap((request) => credentialsIn(request.response)),
      ...['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].flatMap((name) =>
        jobEnv[name] ? [{ name: `job ${name}`, value: jobEnv[name] }] : [],
      ),
    ];
    const who = action === REPO_ROOT ? 'ours' : 'reference';
    for (const step of [main, ...(post && !('skipped' in post) ? [post] : [])]) {
      expect({ who, step: step.id, leaks: findLeaks(step.log, secrets) }).toEqual({
        who,
        step: step.id,
        leaks: [],
      });
    }

    const shape = shaper(world, job, { ...jobEnv, ...inputs });
    const side: Side = {
      ok: main.exitCode === 0,
      exported: shapeAll(main.exported, shape),
      outputs: shapeAll(main.outputs, shape),
      sts: sts.requests.map((request) => stsCall(request, shape)),
      userAgent: [...new Set(sts.requests.flatMap((request) => whoCalled(request.userAgent)))],
      viaProxy: [...(forward?.forwarded ?? [])],
      files: shapeFiles(files, shape),
      summary: main.summary.trim() !== '',
      post:
        post === undefined || 'skipped' in post
          ? 'skipped'
          : {
              ok: post.exitCode === 0,
              exported: shapeAll(post.exported, shape),
              files: shapeFiles(profileFiles(job), shape),
            },
    };
    return { side, main };
  } finally {
    await sts.stop();
    await forward?.stop();
  }
}

type Shape = (name: string, value: string) => string;

const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

/**
 * Replaces a value that cannot be the same in two runs by a marker of its shape: the world's user keys and
 * the keys given to the step are named, other keys, secrets and tokens only shaped, times and the job's paths
 * marked. `name` is the variable, output or profile key the value belongs to.
 */
function shaper(world: World, job: Job, given: Record<string, string>): Shape {
  const known = new Map<string, string>([
    [world.account.accessKeyId, '<user key>'],
    [world.account.secretAccessKey, '<user secret>'],
  ]);
  for (const [name, value] of Object.entries(given)) {
    const kind = /secret/i.test(name)
      ? 'secret'
      : /session.token/i.test(name)
        ? 'token'
        : /access.key.id/i.test(name)
          ? 'key'
          : undefined;
    if (kind !== undefined && value !== '' && !known.has(value)) known.set(value, `<given ${kind}>`);
  }
  return (name, value) => {
    if (value === '') return '';
    const marker = known.get(value);
    if (marker !== undefined) return marker;
    if (/secret/i.test(name)) return '<secret>';
    if (/session.token/i.test(name)) return '<token>';
    if (/^ASIA[A-Z0-9]{16}$/.test(value)) return '<ASIA key>';
    if (/^AKIA[A-Z0-9]{16}$/.test(value)) return '<AKIA key>';
    return value
      .replace(ISO_TIME, '<iso time>')
      .replaceAll(job.home, '<home>')
      .replaceAll(job.workspace, '<workspace>')
      .replaceAll(job.runnerTemp, '<runner temp>');
  };
}

function shapeAll(values: Record<string, string>, shape: Shape): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, shape(name, value)]));
}

function stsCall(request: RecordedRequest, shape: Shape): StsCall {
  const params = Object.fromEntries(
    Object.entries(request.params)
      .filter(([name]) => !/^(Action|Version|Tags\.member\.|TransitiveTagKeys\.member\.)/.test(name))
      // `TransitiveTagKeys=` is how the Query protocol writes an empty list (the reference sends one): no keys.
      .filter(([name, value]) => !(value === '' && /^(Tags|TransitiveTagKeys|PolicyArns)$/.test(name)))
      .map(([name, value]) => [name, name === 'WebIdentityToken' ? jwtMarker(value) : value]),
  );
  return {
    action: request.action,
    params,
    tags: Object.entries(request.tags),
    transitiveTagKeys: request.transitiveTagKeys,
    signed: request.signed,
    signingKey: request.signingKeyId === undefined ? undefined : shape('key', request.signingKeyId),
    status: request.status,
    fault: request.fault,
  };
}

/** A JWT by the one claim the caller chooses: its audience. */
function jwtMarker(token: string): string {
  try {
    return `<jwt aud=${String(decodeJwt(token).aud)}>`;
  } catch {
    return '<not a jwt>';
  }
}

/** The User-Agent tokens an action adds or the SDK derives from the job: the rest is the SDK's own. */
function whoCalled(userAgent: string): string[] {
  return userAgent
    .split(' ')
    .filter((token) =>
      /^(assume-aws-role-action|configure-aws-credentials-for-github-actions)\b|^md\/(action|run_id|attempt)#|^exec-env\/|^app\//.test(
        token,
      ),
    );
}

type RawFiles = { credentials: string | undefined; config: string | undefined };

function profileFiles(job: Job): RawFiles {
  const read = (name: string) => {
    const file = path.join(job.home, '.aws', name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  return { credentials: read('credentials'), config: read('config') };
}

function shapeFiles(files: RawFiles, shape: Shape): ProfileFiles {
  const parse = (text: string | undefined): Ini | undefined => {
    if (text === undefined) return undefined;
    const ini: Ini = {};
    let section: Record<string, string> | undefined;
    for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      // Headers as botocore's configparser reads them: an inline comment after the bracket is no part of the name.
      const header = /^\[([^\]]*)\]/.exec(line);
      if (header) ini[header[1]?.trim() ?? ''] = section = {};
      else if (section !== undefined && line.includes('=')) {
        const [key = '', ...rest] = line.split('=');
        section[key.trim()] = shape(key.trim(), rest.join('=').trim());
      }
    }
    return ini;
  };
  return { credentials: parse(files.credentials), config: parse(files.config) };
}
