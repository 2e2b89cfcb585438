// What the hostile suites share: the workflow commands an attacker would try to smuggle into a step's stdout (the
// runner acts on any line that starts with one, once its leading white space is trimmed), and snapshots of the
// files a step must leave alone.
import { expect } from '@jest/globals';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import type { ActionStep } from './world/runner.js';

/**
 * Commands the action itself never prints: on stdout each one would change what the step hands on (state,
 * outputs, variables, PATH) or stop the runner from reading the step's own commands.
 */
const NEVER_PRINTED = [
  '::save-state',
  '::set-output',
  '::set-env',
  '::add-path',
  '::stop-commands',
  '::echo',
];

/**
 * The lines of the step's stdout/stderr that the runner would act on as one of `injected` (each the start of a
 * command line, such as `::warning::INJECTED`), or as a command the action never prints.
 */
export function injectedCommands(step: ActionStep, injected: readonly string[]): string[] {
  return step.log
    .split(/\r?\n|\r/)
    .map((line) => line.trimStart())
    .filter((line) => [...injected, ...NEVER_PRINTED].some((command) => line.startsWith(command)));
}

/** Nothing smuggled in: no command line, no state or output from stdout, nothing rendered from them. */
export function expectNoInjectedCommands(step: ActionStep, injected: readonly string[]): void {
  expect(injectedCommands(step, injected)).toEqual([]);
  for (const marker of ['Warning: INJECTED', 'Error: INJECTED', 'Notice: INJECTED'])
    expect(step.display.split('\n').filter((line) => line.startsWith(marker))).toEqual([]);
}

/**
 * Every entry under `dir`, relative path → file content, `-> target` for a link, `/` for a folder (links are
 * not followed): to compare a tree before and after a step that must not touch it.
 */
export function treeOf(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (at: string, under: string): void => {
    for (const name of readdirSync(at).sort()) {
      const full = path.join(at, name);
      const shown = under === '' ? name : `${under}/${name}`;
      const stats = lstatSync(full);
      if (stats.isSymbolicLink()) tree[shown] = `-> ${readlinkSync(full)}`;
      else if (stats.isDirectory()) {
        tree[`${shown}/`] = '';
        walk(full, shown);
      } else tree[shown] = readFileSync(full, 'utf8');
    }
  };
  walk(dir, '');
  return tree;
}

/** The section headers of an INI file, in order (`[profile x]` → `profile x`). */
export function headersOf(text: string): string[] {
  return text.split('\n').flatMap((line) => {
    const header = /^\s*\[([^\]]*)\]\s*$/.exec(line);
    return header ? [header[1]?.trim() ?? ''] : [];
  });
}

/** The step's `::warning::` messages, unescaped. */
export function warningsOf(step: ActionStep): string[] {
  return step.log.split('\n').flatMap((line) => {
    const warning = /^::warning(?: [^:]*)?::(.*)$/.exec(line);
    return warning
      ? [(warning[1] ?? '').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')]
      : [];
  });
}

/** Lines the step printed as plain text (core.info), not as workflow commands. */
export function plainLines(step: ActionStep): string[] {
  return step.log.split('\n').filter((line) => !line.trimStart().startsWith('::'));
}

/** For a RegExp built from a literal string. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
