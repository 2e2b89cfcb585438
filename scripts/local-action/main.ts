// The main step for `npm run local-action`: @github/local-action imports this file and calls its run().
import { run as runMain } from '../../src/main.js';
import { localRunner } from './runner.js';

/** Runs the action's main step with the runner local-action emulates. */
export const run = (): Promise<void> => runMain(localRunner);
