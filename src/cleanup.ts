import { rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { messageOf } from './errors.js';
import { RESTORED_VARIABLES, STATE } from './exporting.js';
import { removeSections, type WrittenSection } from './profile-files.js';
import { actionsRunner, type Runner } from './runner.js';

/**
 * The post step: clears every variable the main step exported (putting back the region and profile an
 * earlier step had set) and removes every profile section it wrote.
 * It runs even when the main step failed (then there is nothing recorded, and nothing to undo).
 */
export async function cleanup(
  runner: Runner = actionsRunner,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  try {
    const variables = readState(runner, STATE.exportedVariables, isVariableName);
    const sections = readState(runner, STATE.profileSections, isSection);
    const previous = readPrevious(runner);
    const restored = variables.filter((name) => previous[name] !== undefined);
    const cleared = variables.filter((name) => previous[name] === undefined);
    for (const name of variables) runner.exportVariable(name, previous[name] ?? '');
    removeSections(sections);
    const files = readState(runner, STATE.createdFiles, isRefreshConfigIn(env.RUNNER_TEMP || os.tmpdir()));
    for (const file of files) rmSync(path.dirname(file), { recursive: true, force: true });
    const undone = [
      ...(cleared.length > 0 ? [`cleared ${cleared.join(', ')}`] : []),
      ...restored.map((name) => `put back ${name}=${previous[name]}`),
      ...sections.map((s) => `removed [${s.header}] from ${s.file}`),
      ...files.map((file) => `removed ${file}`),
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

/** A state entry the main step wrote: a JSON array whose items pass `valid`. */
function readState<T>(runner: Runner, name: string, valid: (item: unknown) => item is T): T[] {
  const raw = runner.getState(name);
  if (raw === '') return [];
  const parsed: unknown = JSON.parse(raw);
  if (!Array.isArray(parsed) || !parsed.every(valid))
    throw new Error(`the saved state ${name} is not what the main step writes`);
  return parsed;
}

/** The region and profile values from before the main step, by variable name. */
function readPrevious(runner: Runner): Record<string, string> {
  const raw = runner.getState(STATE.previousValues);
  if (raw === '') return {};
  const parsed: unknown = JSON.parse(raw);
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
 * Only the refresh config the main step creates: RUNNER_TEMP/assume-aws-role-<uuid>/config (the main step
 * falls back to the OS temporary folder the same way), so the folder removed with it can be nothing else.
 */
const isRefreshConfigIn =
  (runnerTemp: string) =>
  (item: unknown): item is string =>
    typeof item === 'string' &&
    path.isAbsolute(item) &&
    path.basename(item) === 'config' &&
    path.dirname(path.dirname(item)) === path.resolve(runnerTemp) &&
    /^assume-aws-role-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(path.basename(path.dirname(item)));

const isVariableName = (item: unknown): item is string =>
  typeof item === 'string' && /^AWS_[A-Z_]+$/.test(item);
const isSection = (item: unknown): item is WrittenSection =>
  typeof item === 'object' &&
  item !== null &&
  typeof (item as WrittenSection).file === 'string' &&
  typeof (item as WrittenSection).header === 'string' &&
  typeof (item as WrittenSection).created === 'boolean';
