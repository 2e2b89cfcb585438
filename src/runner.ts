import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { issueCommand } from '@actions/core/lib/command.js';
import { issueFileCommand, prepareKeyValueMessage } from '@actions/core/lib/file-command.js';
import { toCommandValue } from '@actions/core/lib/utils.js';
import { plainLine } from './log-line.js';
import { requestGitHubIdToken } from './sources/github-id-token.js';

/** The runner facilities the action uses; passed in so tests can record every call in order. */
export interface Runner {
  getInput(name: string): string;
  /** One request for the job's GitHub OIDC token (not masked yet). */
  getIDToken(audience: string, signal: AbortSignal): Promise<string>;
  setSecret(secret: string): void;
  exportVariable(name: string, value: string): void;
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** A plain log line; the real runner prints it as one line that can't be a workflow command. */
  info(line: string): void;
  warning(line: string): void;
  debug(line: string): void;
  setFailed(message: string): void;
  isDebug(): boolean;
  /** Folds the log lines that follow, until endGroup, into one line the reader can open. */
  startGroup(name: string): void;
  endGroup(): void;
  /** Appends Markdown to the job summary (GITHUB_STEP_SUMMARY). */
  appendSummary(markdown: string): void;
}

/** A file command (GITHUB_ENV, GITHUB_OUTPUT, GITHUB_STATE), or the older stdout command without the file. */
function keyValueCommand(
  file: 'ENV' | 'OUTPUT' | 'STATE',
  fallback: string,
  name: string,
  value: string,
): void {
  if (process.env[`GITHUB_${file}`]) issueFileCommand(file, prepareKeyValueMessage(name, value));
  else issueCommand(fallback, { name }, toCommandValue(value));
}

/**
 * The real runner. Each method does what the @actions/core function of the same name does, with
 * @actions/core's own command and file-command modules; its main entry would also load its OIDC HTTP
 * client (undici), which costs every step tens of milliseconds and which the action doesn't use.
 */
export const actionsRunner: Runner = {
  getInput: (name) => (process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim(),
  getIDToken: (audience, signal) => requestGitHubIdToken(audience, process.env, signal),
  setSecret: (secret) => issueCommand('add-mask', {}, secret),
  exportVariable: (name, value) => {
    process.env[name] = toCommandValue(value);
    keyValueCommand('ENV', 'set-env', name, value);
  },
  setOutput: (name, value) => keyValueCommand('OUTPUT', 'set-output', name, value),
  saveState: (name, value) => keyValueCommand('STATE', 'save-state', name, value),
  getState: (name) => process.env[`STATE_${name}`] ?? '',
  info: (line) => process.stdout.write(plainLine(line) + EOL),
  warning: (line) => issueCommand('warning', {}, line),
  debug: (line) => issueCommand('debug', {}, line),
  setFailed: (message) => {
    process.exitCode = 1;
    issueCommand('error', {}, message);
  },
  isDebug: () => process.env.RUNNER_DEBUG === '1',
  startGroup: (name) => issueCommand('group', {}, name),
  endGroup: () => issueCommand('endgroup', {}, ''),
  appendSummary: (markdown) => {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (file) appendFileSync(file, markdown + EOL, 'utf8');
  },
};
