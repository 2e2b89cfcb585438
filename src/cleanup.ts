import { messageOf } from './errors.js';
import { STATE } from './exporting.js';
import { removeSections, type WrittenSection } from './profile-files.js';
import { actionsRunner, type Runner } from './runner.js';

/**
 * The post step: clears every variable the main step exported and removes every profile section it wrote.
 * It runs even when the main step failed (then there is nothing recorded, and nothing to undo).
 */
export async function cleanup(runner: Runner = actionsRunner): Promise<void> {
  try {
    const variables = readState<string[]>(runner, STATE.exportedVariables, []);
    const sections = readState<WrittenSection[]>(runner, STATE.profileSections, []);
    for (const name of variables) runner.exportVariable(name, '');
    removeSections(sections);
    const undone = [
      ...(variables.length > 0 ? [`cleared ${variables.join(', ')}`] : []),
      ...sections.map((s) => `removed [${s.header}] from ${s.file}`),
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

function readState<T>(runner: Runner, name: string, fallback: T): T {
  const raw = runner.getState(name);
  return raw === '' ? fallback : (JSON.parse(raw) as T);
}
