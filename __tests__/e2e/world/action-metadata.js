// action.yml as the runner reads it: the declared inputs with their defaults, and what `runs` starts. Each action
// has its own (ours, or the vendored reference's, whose inputs and defaults differ).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './tools.js';

/**
 * @typedef {object} ActionMetadata
 * @property {Record<string, { default?: string, required?: boolean }>} inputs
 * @property {{ using: string, main: string, post?: string, 'post-if'?: string }} runs
 */

/**
 * @param {string} [actionDir]  the action's directory: ours (the repository root) unless given
 * @returns {ActionMetadata}
 */
export function loadActionMetadata(actionDir = REPO_ROOT) {
  return parse(readFileSync(path.join(actionDir, 'action.yml'), 'utf8'));
}

/**
 * The INPUT_* variables of a `uses:` step: every declared default, overridden by the `with:` values. The runner
 * only warns about undeclared inputs; here they throw, because in a test they are always a typo.
 * @param {ActionMetadata} metadata
 * @param {Record<string, string | number | boolean>} withInputs
 * @returns {Record<string, string>}
 */
export function inputVariables(metadata, withInputs) {
  const undeclared = Object.keys(withInputs).filter((name) => !(name in metadata.inputs));
  if (undeclared.length > 0) {
    throw new Error(`Unexpected input(s) ${undeclared.join(', ')}: its action.yml does not declare them`);
  }
  /** @type {Record<string, string>} */
  const variables = {};
  for (const [name, input] of Object.entries(metadata.inputs)) {
    const value = name in withInputs ? String(withInputs[name]) : input.default;
    if (value !== undefined) variables[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = String(value);
  }
  return variables;
}

/**
 * Evaluates `runs.post-if` against the job's environment. Only the forms this action uses are understood
 * (`always()`, `env.NAME != 'value'`, `env.NAME == 'value'`); anything else throws rather than guess.
 * @param {string | undefined} condition
 * @param {Record<string, string | undefined>} env
 */
export function postStepRuns(condition, env) {
  if (condition === undefined || condition.trim() === 'always()') return true;
  const comparison = /^\s*env\.(\w+)\s*(==|!=)\s*'([^']*)'\s*$/.exec(condition);
  if (!comparison) throw new Error(`The emulator cannot evaluate post-if: ${condition}`);
  const [, name = '', operator, value] = comparison;
  // Expressions compare strings case-insensitively, and an unset variable is ''.
  const equal = (env[name] ?? '').toLowerCase() === (value ?? '').toLowerCase();
  return operator === '==' ? equal : !equal;
}
