// An emulated GitHub runner job (see shared RUNNER.md): runs an action's bundle under Node 24 the way a `uses:`
// step runs it (ours by default, or the vendored reference), `run:` steps with the job's environment, and the
// post steps at the end.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { inputVariables, loadActionMetadata, postStepRuns } from './action-metadata.js';
import { createCommandFiles, readCommandFiles } from './file-commands.js';
import { GITHUB_RUN } from './github-run.js';
import { maskedLog, stdoutCommands } from './log-view.js';
import { NODE24, REPO_ROOT } from './tools.js';

/**
 * @typedef {object} JobOptions
 * @property {{ requestUrl: string, requestToken: string }} [idToken]  the job has `permissions: id-token: write`
 * @property {Record<string, string>} [env]  the job's `env:`
 * @property {{ name: string, payload: object }} [event]  the event the run is for: GITHUB_EVENT_NAME and the
 *   content of GITHUB_EVENT_PATH (default the push of GITHUB_RUN.sha to main). A payload with `pull_request`
 *   also sets GITHUB_REF/GITHUB_REF_NAME/GITHUB_WORKFLOW_REF (refs/pull/N/merge) and GITHUB_HEAD_REF/GITHUB_BASE_REF
 *   from its number, head.ref and base.ref, as on GitHub
 * @property {string} [actor]  who started the run: GITHUB_ACTOR and GITHUB_TRIGGERING_ACTOR (default
 *   GITHUB_RUN.actor), e.g. `dependabot[bot]`
 * @property {boolean} [debug]  ACTIONS_STEP_DEBUG: RUNNER_DEBUG=1
 * @property {number} [stepTimeoutMs]  a step still running then is killed
 * @property {typeof spawn} [spawn]  starts each step's process (default child_process.spawn); `npm run bench`
 *   passes a wrapper that times the process and measures its peak RSS
 */

/**
 * @typedef {object} ActionStep  one run of the action's main or post step
 * @property {string} id
 * @property {number | null} exitCode
 * @property {string} log      stdout and stderr as the process wrote them, unmasked
 * @property {string} display  the log as the runner shows it (commands rendered, secrets masked)
 * @property {Record<string, string>} exported  what the step wrote to GITHUB_ENV
 * @property {Record<string, string>} outputs  GITHUB_OUTPUT, and ::set-output lines of stdout
 * @property {Record<string, string>} state    GITHUB_STATE, and ::save-state lines of stdout
 * @property {string} summary
 */

/**
 * @typedef {object} RunStep  one `run:` step
 * @property {number | null} exitCode
 * @property {string} stdout
 * @property {string} stderr
 */

/** One job: its own HOME, workspace and RUNNER_TEMP, its environment, and the post steps to run at the end. */
export class Job {
  /** @type {Record<string, string>} */
  #env;
  /**
   * @type {{ id: string, inputs: Record<string, string>, state: Record<string, string>, actionRef: string,
   *   action: string }[]}
   */
  #posts = [];
  #stepCount = 0;
  #debug;
  #stepTimeoutMs;
  #spawn;
  /** Secrets registered with ::add-mask:: in this job so far. */
  masks = new Set();

  /** @param {JobOptions} [options] */
  constructor({
    idToken,
    env = {},
    event,
    actor = GITHUB_RUN.actor,
    debug = false,
    stepTimeoutMs = 60_000,
    spawn: spawnStep = spawn,
  } = {}) {
    this.root = mkdtempSync(path.join(tmpdir(), 'assume-aws-role-e2e-'));
    this.home = path.join(this.root, 'home');
    this.workspace = path.join(this.root, 'work', GITHUB_RUN.repository.split('/')[1] ?? 'repo');
    this.runnerTemp = path.join(this.root, 'runner-temp');
    for (const dir of [this.home, this.workspace, this.runnerTemp]) mkdirSync(dir, { recursive: true });
    const eventPath = path.join(this.runnerTemp, 'event.json');
    const { name: eventName, payload } = event ?? { name: GITHUB_RUN.eventName, payload: pushEvent(actor) };
    writeFileSync(eventPath, JSON.stringify(payload));
    this.#debug = debug;
    this.#stepTimeoutMs = stepTimeoutMs;
    this.#spawn = spawnStep;
    this.#env = {
      ...passThrough(),
      HOME: this.home,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'GitHub Actions 1',
      RUNNER_ENVIRONMENT: 'github-hosted',
      RUNNER_TEMP: this.runnerTemp,
      GITHUB_WORKSPACE: this.workspace,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: GITHUB_RUN.repository,
      GITHUB_REPOSITORY_OWNER: GITHUB_RUN.owner,
      GITHUB_WORKFLOW: GITHUB_RUN.workflow,
      GITHUB_WORKFLOW_REF: `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@${GITHUB_RUN.ref}`,
      GITHUB_JOB: GITHUB_RUN.job,
      GITHUB_ACTOR: actor,
      GITHUB_TRIGGERING_ACTOR: actor,
      GITHUB_SHA: GITHUB_RUN.sha,
      GITHUB_REF: GITHUB_RUN.ref,
      GITHUB_REF_NAME: GITHUB_RUN.refName,
      GITHUB_REF_TYPE: 'branch',
      GITHUB_EVENT_NAME: eventName,
      ...pullRequestRefs(payload),
      GITHUB_RUN_ID: GITHUB_RUN.runId,
      GITHUB_RUN_NUMBER: GITHUB_RUN.runNumber,
      GITHUB_RUN_ATTEMPT: GITHUB_RUN.runAttempt,
      GITHUB_SERVER_URL: GITHUB_RUN.serverUrl,
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
      // The emulated machine has no instance metadata service: without this, SDKs would wait for it.
      AWS_EC2_METADATA_DISABLED: 'true',
      ...(debug && { RUNNER_DEBUG: '1' }),
      ...(idToken && {
        ACTIONS_ID_TOKEN_REQUEST_URL: idToken.requestUrl,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: idToken.requestToken,
      }),
      ...env,
    };
  }

  /** The job's environment now: what the next step starts with. */
  get env() {
    return { ...this.#env };
  }

  /**
   * A `uses:` step of an action (this one unless `action` names another's directory): its runs.main under
   * Node 24 with every input as INPUT_*, as its own action.yml declares them; registers the post step (which
   * runs even when this step fails, as on GitHub).
   * @param {Record<string, string | number | boolean>} [withInputs]
   * @param {{ id?: string, env?: Record<string, string>, actionRef?: string, action?: string }} [options]  the
   *   step's id and `env:`, the ref its `uses:` pins (GITHUB_ACTION_REF; default GITHUB_RUN.actionRef, a
   *   release tag), and the action's directory (default ours, REPO_ROOT; REFERENCE_ACTION for the reference)
   * @returns {Promise<ActionStep>}
   */
  async uses(
    withInputs = {},
    { id = 'assume-role', env = {}, actionRef = GITHUB_RUN.actionRef, action = REPO_ROOT } = {},
  ) {
    const metadata = loadActionMetadata(action);
    const inputs = { ...inputVariables(metadata, withInputs), ...env };
    const step = await this.#nodeStep(id, path.join(action, metadata.runs.main), inputs, actionRef);
    this.#posts.push({ id, inputs, state: step.state, actionRef, action });
    return step;
  }

  /**
   * The post steps of every `uses:` step, last first, each when its action's runs.post-if holds in the job's
   * environment.
   * @returns {Promise<(ActionStep | { id: string, skipped: true })[]>}
   */
  async post() {
    const results = [];
    for (const { id, inputs, state, actionRef, action } of this.#posts.splice(0).reverse()) {
      const metadata = loadActionMetadata(action);
      if (metadata.runs.post === undefined) continue;
      if (!postStepRuns(metadata.runs['post-if'], this.#env)) {
        results.push({ id, skipped: /** @type {const} */ (true) });
        continue;
      }
      const stateVariables = Object.fromEntries(
        Object.entries(state).map(([name, v]) => [`STATE_${name}`, v]),
      );
      results.push(
        await this.#nodeStep(
          `${id}-post`,
          path.join(action, metadata.runs.post),
          { ...inputs, ...stateVariables },
          actionRef,
        ),
      );
    }
    return results;
  }

  /**
   * The post step of a `uses:` step of the action that never ran, given these saved values as its STATE_*: what
   * a post step gets when an earlier step of the job has written to the main step's GITHUB_STATE file, or when
   * state is crafted some other way. Registers nothing; the job's own post steps stay as they are.
   * @param {Record<string, string>} state  saved state, by name (without STATE_)
   * @param {{ id?: string, inputs?: Record<string, string | number | boolean>, env?: Record<string, string>,
   *   actionRef?: string, action?: string }} [options]  the main step's `with:` and `env:`, as in `uses`
   * @returns {Promise<ActionStep>}
   */
  async postWithState(
    state,
    { id = 'assume-role', inputs = {}, env = {}, actionRef = GITHUB_RUN.actionRef, action = REPO_ROOT } = {},
  ) {
    const metadata = loadActionMetadata(action);
    if (metadata.runs.post === undefined) throw new Error(`${action} has no post step`);
    const stateVariables = Object.fromEntries(Object.entries(state).map(([name, v]) => [`STATE_${name}`, v]));
    return this.#nodeStep(
      `${id}-post`,
      path.join(action, metadata.runs.post),
      { ...inputVariables(metadata, inputs), ...env, ...stateVariables },
      actionRef,
    );
  }

  /**
   * A `run:` step: runs `argv` with the job's environment (plus the step's `env:`).
   * @param {string[]} argv
   * @param {{ env?: Record<string, string> }} [options]
   * @returns {Promise<RunStep>}
   */
  async run(argv, { env = {} } = {}) {
    const [program = '', ...args] = argv;
    const files = createCommandFiles(this.runnerTemp);
    const child = this.#spawn(program, args, {
      cwd: this.workspace,
      env: { ...this.#env, ...env, ...files },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    const exitCode = await exitOf(child, this.#stepTimeoutMs, argv.join(' '));
    this.#apply(readCommandFiles(files));
    return { exitCode, stdout, stderr };
  }

  /** Deletes the job's directories. */
  dispose() {
    rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * @param {string} id
   * @param {string} script  absolute path of the action's script, like <action>/dist/index.js
   * @param {Record<string, string>} stepEnv
   * @param {string} actionRef  GITHUB_ACTION_REF
   * @returns {Promise<ActionStep>}
   */
  async #nodeStep(id, script, stepEnv, actionRef) {
    const files = createCommandFiles(this.runnerTemp);
    const logFile = path.join(this.root, `step-${++this.#stepCount}.log`);
    // One file for both streams keeps their lines in the order the process wrote them.
    const fd = openSync(logFile, 'w');
    let exitCode;
    try {
      const child = this.#spawn(NODE24, [script], {
        cwd: this.workspace,
        env: {
          ...this.#env,
          ...stepEnv,
          ...files,
          GITHUB_ACTION: id,
          GITHUB_ACTION_REPOSITORY: GITHUB_RUN.actionRepository,
          GITHUB_ACTION_REF: actionRef,
        },
        stdio: ['ignore', fd, fd],
      });
      exitCode = await exitOf(child, this.#stepTimeoutMs, `${id} (${path.relative(REPO_ROOT, script)})`);
    } finally {
      closeSync(fd);
    }
    const log = readFileSync(logFile, 'utf8');
    const commands = readCommandFiles(files);
    this.#apply(commands);
    // The runner still acts on the deprecated ::save-state and ::set-output lines of stdout, as the step prints
    // them; the files are read when it has ended, so theirs win.
    const printed = stdoutCommands(log);
    return {
      id,
      exitCode,
      log,
      display: maskedLog(log, { debug: this.#debug, masks: this.masks }),
      exported: commands.env,
      outputs: { ...printed.outputs, ...commands.outputs },
      state: { ...printed.state, ...commands.state },
      summary: commands.summary,
    };
  }

  /** Carries a step's GITHUB_ENV and GITHUB_PATH into the job, later writes winning. */
  #apply(/** @type {import('./file-commands.js').FileCommands} */ commands) {
    Object.assign(this.#env, commands.env);
    if (commands.path.length > 0) {
      this.#env.PATH = [...commands.path.reverse(), this.#env.PATH ?? ''].join(path.delimiter);
    }
  }
}

/**
 * What the job inherits from the machine: the tools' PATH and locale, never AWS_* or GitHub variables.
 * @returns {Record<string, string>}
 */
function passThrough() {
  const names = ['PATH', 'LANG', 'TZ', 'PYENV_ROOT', 'PYENV_VERSION', 'PIPX_HOME', 'PIPX_BIN_DIR'];
  return Object.fromEntries(names.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
}

/** @param {string} actor */
function pushEvent(actor) {
  return {
    ref: GITHUB_RUN.ref,
    after: GITHUB_RUN.sha,
    repository: {
      full_name: GITHUB_RUN.repository,
      name: GITHUB_RUN.repository.split('/')[1],
      owner: { login: GITHUB_RUN.owner },
    },
    sender: { login: actor },
  };
}

/**
 * The ref variables of a job for a pull request's event payload; none for other payloads.
 * @param {object} payload
 * @returns {Record<string, string>}
 */
function pullRequestRefs(payload) {
  const pullRequest =
    /** @type {{ pull_request?: { number?: unknown, head?: { ref?: unknown }, base?: { ref?: unknown } } }} */ (
      payload
    ).pull_request;
  if (typeof pullRequest !== 'object' || pullRequest === null) return {};
  const number = String(pullRequest.number ?? 1);
  return {
    GITHUB_REF: `refs/pull/${number}/merge`,
    GITHUB_REF_NAME: `${number}/merge`,
    GITHUB_WORKFLOW_REF: `${GITHUB_RUN.repository}/${GITHUB_RUN.workflowFile}@refs/pull/${number}/merge`,
    GITHUB_HEAD_REF: String(pullRequest.head?.ref ?? ''),
    GITHUB_BASE_REF: String(pullRequest.base?.ref ?? ''),
  };
}

/**
 * The process's exit code; kills it and throws when it runs longer than `timeoutMs`.
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} timeoutMs
 * @param {string} what
 * @returns {Promise<number | null>}
 */
function exitOf(child, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${what} could not start: ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
