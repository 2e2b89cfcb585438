// The Context class alone: the package's main entry would also bundle Octokit, which the action never uses.
// tsconfig `paths` (which ncc and jest honour) maps this specifier to the file.
import { Context } from '@actions/github/lib/context.js';
import type { RunContext } from './session-tags.js';

/**
 * The workflow run's facts for session tags, from @actions/github's context (empty where unset). Read on
 * first use only: the context parses the event payload file, which a web identity assume never needs.
 */
export function runContextOnDemand(env: NodeJS.ProcessEnv): () => RunContext {
  let run: RunContext | undefined;
  return () => (run ??= readRun(env));
}

function readRun(env: NodeJS.ProcessEnv): RunContext {
  const context = new Context();
  return {
    repository: env.GITHUB_REPOSITORY ?? '',
    workflow: context.workflow ?? '',
    action: context.action ?? '',
    actor: context.actor ?? '',
    sha: context.sha ?? '',
    ref: context.ref ?? '',
    eventName: context.eventName ?? '',
    runId: Number.isFinite(context.runId) ? String(context.runId) : '',
    job: context.job ?? '',
    triggeringActor: env.GITHUB_TRIGGERING_ACTOR ?? '',
    baseRef: env.GITHUB_BASE_REF ?? '',
    headRef: env.GITHUB_HEAD_REF ?? '',
  };
}
