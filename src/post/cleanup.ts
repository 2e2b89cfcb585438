import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { messageOf } from '../errors.js';
import { RESTORED_VARIABLES, STATE } from '../export/exporting.js';
import { shown } from '../inputs/parsers.js';
import { REGION_CODE } from '../partition.js';
import { homeDir } from '../export/platform.js';
import {
  keepProfileNamed,
  profileFilePaths,
  removeSections,
  type WrittenSection,
} from '../export/profile-files.js';
import { actionsRunner, type Runner } from '../runner.js';

/**
 * Variables that carry nothing secret and that later post steps (of actions used before this one) need
 * non-empty: with no earlier value to put back, they are left as they are. An empty AWS_REGION makes the JS SDK
 * fail "Region not accepted"; a step cannot unset a variable, only empty it.
 */
const LEFT_AS_THEY_ARE: ReadonlySet<string> = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_SDK_UA_APP_ID',
  'MSYS2_ENV_CONV_EXCL',
]);

/**
 * The post step: clears the credentials the main step exported, puts back what an earlier step had set, and
 * removes every profile section and file it wrote. It never leaves an empty AWS_PROFILE, AWS_REGION or
 * AWS_DEFAULT_REGION behind (the AWS CLI and boto3 fail "The config profile () could not be found").
 * It runs even when the main step failed (then there is nothing recorded, and nothing to undo).
 */
export async function cleanup(
  runner: Runner = actionsRunner,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  try {
    // All the state first: a part that is not what the main step writes stops the step before it touches anything.
    const runnerTemp = env.RUNNER_TEMP || os.tmpdir();
    const variables = readState(runner, STATE.exportedVariables, isVariableName);
    const previous = readPrevious(runner);
    const saved = readState(runner, STATE.profileSections, isSection);
    const files = readState(runner, STATE.createdFiles, isActionFileIn(runnerTemp));

    for (const [name, value] of Object.entries(previous)) {
      if (PREVIOUS_VALUE_CHECKS[name]?.(value) === true) continue;
      runner.warning(
        `Cleanup: not putting back ${name}=${shown(value)} from the saved state: it is not a value ${name} takes`,
      );
      delete previous[name];
    }
    const owned = ownedFiles(env, previous, runnerTemp, platform);
    const sections = saved.flatMap((section): WrittenSection[] => {
      if (!owned(section.file)) {
        runner.warning(
          `Cleanup: left [${section.header}] in ${shown(section.file)}: the action writes no such file`,
        );
        return [];
      }
      if (section.createdFolder === undefined || isFolderOf(section.createdFolder, section.file))
        return [section];
      runner.warning(
        `Cleanup: not removing ${shown(section.createdFolder)} from the saved state: it is not the folder of ${section.file}`,
      );
      const rest: WrittenSection = { ...section };
      delete (rest as { createdFolder?: string }).createdFolder;
      return [rest];
    });
    const done: string[] = [];
    const cleared: string[] = [];
    const left: string[] = [];
    // What the variables will be for the steps after this one.
    const after: Record<string, string | undefined> = {};
    for (const name of variables) {
      const earlier = previous[name];
      if (earlier !== undefined) {
        runner.exportVariable(name, earlier);
        done.push(`put back ${name}=${earlier}`);
        after[name] = earlier;
      } else if (LEFT_AS_THEY_ARE.has(name) || name === 'AWS_PROFILE') {
        left.push(name);
        after[name] = env[name];
      } else if (name === 'AWS_CONFIG_FILE' || name === 'AWS_SHARED_CREDENTIALS_FILE') {
        // Empty, botocore would read no such file at all; the default path is what "unset" means.
        const fallback = path.join(
          homeDir(env, platform),
          '.aws',
          name === 'AWS_CONFIG_FILE' ? 'config' : 'credentials',
        );
        runner.exportVariable(name, fallback);
        done.push(`set ${name}=${fallback} (the default)`);
        after[name] = fallback;
      } else {
        runner.exportVariable(name, '');
        cleared.push(name);
      }
    }
    const kept = removeSections(sections, homeDir(env, platform));
    for (const { section, why } of kept)
      runner.warning(`Cleanup: left [${section.header}] in ${section.file}: ${why}`);
    for (const file of files) rmSync(path.dirname(file), { recursive: true, force: true });
    const stub = keepProfileStub(variables, previous, after, env, platform);
    const undone = [
      ...(cleared.length > 0 ? [`cleared ${cleared.join(', ')}`] : []),
      ...done,
      ...sections
        .filter((s) => !kept.some(({ section }) => section === s))
        .map((s) => `removed [${s.header}] from ${s.file}`),
      ...files.map((file) => `removed ${file}`),
      ...(stub !== undefined ? [stub] : []),
      ...(left.length > 0
        ? [`left ${left.join(', ')} as they are (nothing secret; later post steps need them set)`]
        : []),
    ];
    runner.info(
      undone.length > 0
        ? `Cleanup: ${undone.join('; ')}`
        : 'Cleanup: the main step exported nothing, so there is nothing to undo',
    );
  } catch (error) {
    runner.setFailed(`Cleanup could not undo everything the main step did: ${messageOf(error)}`);
  }
}

/**
 * An AWS_PROFILE the main step exported, with no earlier value to put back, still names its profile for the
 * post steps after this one: a stub section (region only) stays in the config file so that the AWS CLI and
 * the SDKs find the profile and look for credentials elsewhere, instead of failing on a missing profile.
 */
function keepProfileStub(
  variables: readonly string[],
  previous: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string | undefined>>,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): string | undefined {
  const profile = after.AWS_PROFILE;
  if (!variables.includes('AWS_PROFILE') || previous.AWS_PROFILE !== undefined || !profile) return undefined;
  if (!/^[\w+=,.@-]{1,64}$/.test(profile)) return undefined;
  const configFile = profileFilePaths(
    { ...env, AWS_CONFIG_FILE: after.AWS_CONFIG_FILE ?? env.AWS_CONFIG_FILE },
    platform,
  ).config;
  const region = REGION_CODE.test(after.AWS_REGION ?? '') ? after.AWS_REGION : undefined;
  return keepProfileNamed(profile, region, configFile, homeDir(env, platform))
    ? `kept [${profile === 'default' ? 'default' : `profile ${profile}`}] in ${configFile} without credentials, because AWS_PROFILE=${profile} stays set`
    : undefined;
}

/** What a value put back must be, like the inputs and variables it stands for. */
const PREVIOUS_VALUE_CHECKS: Readonly<Record<string, (value: string) => boolean>> = {
  AWS_REGION: (value) => REGION_CODE.test(value),
  AWS_DEFAULT_REGION: (value) => REGION_CODE.test(value),
  AWS_PROFILE: (value) => /^[\w+=,.@-]{1,64}$/.test(value),
  AWS_CONFIG_FILE: (value) => path.isAbsolute(value) && !/\p{Cc}/u.test(value),
  AWS_SHARED_CREDENTIALS_FILE: (value) => path.isAbsolute(value) && !/\p{Cc}/u.test(value),
  MSYS2_ENV_CONV_EXCL: (value) => /^[A-Za-z0-9_;]*$/.test(value),
};

/**
 * The files the action writes profile sections to: the shared files where the post step's environment, the
 * environment before the main step, or the defaults put them, and refresh configs under RUNNER_TEMP. The post
 * step touches no other file, whatever the state says.
 */
function ownedFiles(
  env: NodeJS.ProcessEnv,
  previous: Readonly<Record<string, string>>,
  runnerTemp: string,
  platform: NodeJS.Platform,
): (file: string) => boolean {
  const defaults = profileFilePaths(
    { ...env, AWS_SHARED_CREDENTIALS_FILE: '', AWS_CONFIG_FILE: '' },
    platform,
  );
  const named = [
    defaults.credentials,
    defaults.config,
    env.AWS_SHARED_CREDENTIALS_FILE,
    env.AWS_CONFIG_FILE,
    previous.AWS_CONFIG_FILE,
    previous.AWS_SHARED_CREDENTIALS_FILE,
  ].flatMap((file) => (file ? [path.resolve(file)] : []));
  const actionFile = isActionFileIn(runnerTemp);
  // A refresh config, or the job's own shared files (profile-location: job).
  return (file) =>
    named.includes(path.resolve(file)) ||
    (['config', 'credentials'].includes(path.basename(file)) &&
      actionFile(path.join(path.dirname(file), 'config')));
}

/** A state entry the main step wrote: a JSON array whose items pass `valid`. */
function readState<T>(runner: Runner, name: string, valid: (item: unknown) => item is T): T[] {
  const raw = runner.getState(name);
  if (raw === '') return [];
  const parsed = parseState(raw, name);
  if (!Array.isArray(parsed) || !parsed.every(valid))
    throw new Error(`the saved state ${name} is not what the main step writes`);
  return parsed;
}

function parseState(raw: string, name: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new Error(`the saved state ${name} is not what the main step writes (not JSON)`);
  }
}

/** The values from before the main step, by variable name. */
function readPrevious(runner: Runner): Record<string, string> {
  const raw = runner.getState(STATE.previousValues);
  if (raw === '') return {};
  const parsed = parseState(raw, STATE.previousValues);
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    !Array.isArray(parsed) &&
    Object.entries(parsed).every(
      ([name, value]) => RESTORED_VARIABLES.has(name) && typeof value === 'string',
    );
  if (!valid) throw new Error(`the saved state ${STATE.previousValues} is not what the main step writes`);
  return parsed as Record<string, string>;
}

/**
 * Only files the main step creates in its own folders, RUNNER_TEMP/assume-aws-role-<uuid>/ (config for
 * refresh-credentials, the job's own config and credentials with profile-location: job, credential-process.cmd on
 * Windows; the main step falls back to the OS temporary folder
 * the same way), so the folder removed with one can be nothing else.
 */
const isActionFileIn =
  (runnerTemp: string) =>
  (item: unknown): item is string =>
    typeof item === 'string' &&
    path.isAbsolute(item) &&
    ['config', 'credential-process.cmd'].includes(path.basename(item)) &&
    path.dirname(path.dirname(item)) === path.resolve(runnerTemp) &&
    /^assume-aws-role-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(path.basename(path.dirname(item)));

const isVariableName = (item: unknown): item is string =>
  typeof item === 'string' && (/^AWS_[A-Z_]+$/.test(item) || item === 'MSYS2_ENV_CONV_EXCL');
const isSection = (item: unknown): item is WrittenSection =>
  typeof item === 'object' &&
  item !== null &&
  typeof (item as WrittenSection).file === 'string' &&
  typeof (item as WrittenSection).header === 'string' &&
  typeof (item as WrittenSection).profile === 'string' &&
  typeof (item as WrittenSection).created === 'boolean' &&
  /^[0-9a-f]{64}$/.test(String((item as WrittenSection).digest)) &&
  path.isAbsolute((item as WrittenSection).file) &&
  ['string', 'undefined'].includes(typeof (item as WrittenSection).createdFolder);

/** `folder` is the file's folder or one above it. */
function isFolderOf(folder: string, file: string): boolean {
  const resolved = path.resolve(folder);
  const parent = path.dirname(path.resolve(file));
  return parent === resolved || parent.startsWith(resolved + path.sep);
}
