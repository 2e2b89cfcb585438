// The runner for `npm run local-action`. The action's own runner (src/runner.ts) writes workflow commands
// without @actions/core's main entry, which @github/local-action replaces with its emulation; this one goes
// through @actions/core, so that local-action sees the masks, variables, outputs and state (the post step
// reads the main step's state from it) and prints them. Everything else, such as the GitHub OIDC token
// request and the job summary (written to GITHUB_STEP_SUMMARY when that is set), is the action's own.
// local-action's setFailed only records the failure and its process still exits 0, so setFailed here also sets
// the exit code, as the action's own runner does: `npm run local-action` then fails when a step failed.
import * as core from '@actions/core';
import { actionsRunner, type Runner } from '../../src/runner.js';

/** The action's runner, with the parts local-action emulates routed through @actions/core. */
export const localRunner: Runner = {
  ...actionsRunner,
  getInput: (name) => core.getInput(name, { trimWhitespace: true }),
  setSecret: (secret) => core.setSecret(secret),
  exportVariable: (name, value) => core.exportVariable(name, value),
  setOutput: (name, value) => core.setOutput(name, value),
  saveState: (name, value) => core.saveState(name, value),
  getState: (name) => core.getState(name),
  info: (line) => core.info(line),
  startGroup: (name) => core.startGroup(name),
  endGroup: () => core.endGroup(),
  warning: (line) => core.warning(line),
  debug: (line) => core.debug(line),
  setFailed: (message) => {
    process.exitCode = 1;
    core.setFailed(message);
  },
  isDebug: () => core.isDebug(),
};
