// The runner's file commands (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY, GITHUB_PATH): fresh
// empty files for each step, read back once the step has ended.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** @typedef {{ GITHUB_ENV: string, GITHUB_OUTPUT: string, GITHUB_STATE: string, GITHUB_STEP_SUMMARY: string, GITHUB_PATH: string }} CommandFiles */

/**
 * @typedef {object} FileCommands  what one step wrote
 * @property {Record<string, string>} env      GITHUB_ENV: variables for later steps
 * @property {Record<string, string>} outputs  GITHUB_OUTPUT: the step's outputs
 * @property {Record<string, string>} state    GITHUB_STATE: the post step's STATE_*
 * @property {string} summary                  GITHUB_STEP_SUMMARY: Markdown
 * @property {string[]} path                   GITHUB_PATH: directories for later steps' PATH
 */

/**
 * Creates the empty files for one step under `runnerTemp`, as the runner does.
 * @param {string} runnerTemp
 * @returns {CommandFiles}
 */
export function createCommandFiles(runnerTemp) {
  const dir = path.join(runnerTemp, '_runner_file_commands');
  mkdirSync(dir, { recursive: true });
  const file = (name) => {
    const full = path.join(dir, `${name}_${randomUUID()}`);
    writeFileSync(full, '');
    return full;
  };
  return {
    GITHUB_ENV: file('set_env'),
    GITHUB_OUTPUT: file('set_output'),
    GITHUB_STATE: file('save_state'),
    GITHUB_STEP_SUMMARY: file('step_summary'),
    GITHUB_PATH: file('add_path'),
  };
}

/**
 * Reads what the step wrote.
 * @param {CommandFiles} files
 * @returns {FileCommands}
 */
export function readCommandFiles(files) {
  const read = (file) => readFileSync(file, 'utf8');
  return {
    env: parseKeyValueFile(read(files.GITHUB_ENV)),
    outputs: parseKeyValueFile(read(files.GITHUB_OUTPUT)),
    state: parseKeyValueFile(read(files.GITHUB_STATE)),
    summary: read(files.GITHUB_STEP_SUMMARY),
    path: read(files.GITHUB_PATH)
      .split('\n')
      .filter((line) => line.trim() !== ''),
  };
}

/**
 * Parses `NAME<<DELIMITER` / value lines / `DELIMITER` blocks and the older `NAME=value` lines; later entries
 * win. Throws on anything else, as the runner fails the step on a malformed file.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseKeyValueFile(text) {
  /** @type {Record<string, string>} */
  const values = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    const assignment = /^([^=]+)=(.*)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const end = lines.indexOf(delimiter ?? '', i + 1);
      if (end === -1) throw new Error(`Matching delimiter not found '${delimiter}' for ${name}`);
      values[name] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (assignment) {
      values[assignment[1] ?? ''] = assignment[2] ?? '';
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return values;
}
