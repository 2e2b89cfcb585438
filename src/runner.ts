import * as core from '@actions/core';
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
  info(line: string): void;
  warning(line: string): void;
  debug(line: string): void;
  setFailed(message: string): void;
  isDebug(): boolean;
}

/** The real runner, through @actions/core. */
export const actionsRunner: Runner = {
  getInput: (name) => core.getInput(name),
  getIDToken: (audience, signal) => requestGitHubIdToken(audience, process.env, signal),
  setSecret: (secret) => core.setSecret(secret),
  exportVariable: (name, value) => core.exportVariable(name, value),
  setOutput: (name, value) => core.setOutput(name, value),
  saveState: (name, value) => core.saveState(name, value),
  getState: (name) => core.getState(name),
  info: (line) => core.info(line),
  warning: (line) => core.warning(line),
  debug: (line) => core.debug(line),
  setFailed: (message) => core.setFailed(message),
  isDebug: () => core.isDebug(),
};
