// The post step for `npm run local-action`: @github/local-action imports this file and calls its run() after
// the main step, with the state the main step saved.
import { cleanup } from '../../src/post/cleanup.js';
import { localRunner } from './runner.js';

/** Runs the action's post step with the runner local-action emulates. */
export const run = (): Promise<void> => cleanup(localRunner);
