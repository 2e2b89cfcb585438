import type { Tag } from '@aws-sdk/client-sts';

/** The facts about the workflow run that session tags are made of. */
export interface RunContext {
  readonly repository: string;
  readonly workflow: string;
  readonly action: string;
  readonly actor: string;
  readonly sha: string;
  readonly ref: string;
  readonly eventName: string;
  readonly runId: string;
  readonly job: string;
  readonly triggeringActor: string;
  /** GITHUB_BASE_REF and GITHUB_HEAD_REF: set on pull_request runs only. */
  readonly baseRef: string;
  readonly headRef: string;
}

type TagSource = { key: string; value: (run: RunContext) => string };

/** Tags every AssumeRole carries (unless role-skip-session-tagging); custom-tags can't override them. */
export const STANDARD_TAGS: readonly TagSource[] = [
  { key: 'GitHub', value: () => 'Actions' },
  { key: 'Repository', value: (run) => run.repository },
  { key: 'Workflow', value: (run) => run.workflow },
  { key: 'Action', value: (run) => run.action },
  { key: 'Actor', value: (run) => run.actor },
  { key: 'Commit', value: (run) => run.sha },
  { key: 'Branch', value: (run) => run.ref },
];

/**
 * Tags added when they fit, in this order (the reference action's), within the 50-tag limit; dropped (and the
 * call retried once) when STS answers PackedPolicyTooLarge.
 */
export const OPTIONAL_TAGS: readonly TagSource[] = [
  { key: 'EventName', value: (run) => run.eventName },
  { key: 'BaseRef', value: (run) => run.baseRef },
  { key: 'HeadRef', value: (run) => run.headRef },
  { key: 'RunId', value: (run) => run.runId },
  { key: 'Job', value: (run) => run.job },
  { key: 'TriggeringActor', value: (run) => run.triggeringActor },
];

/** The optional tag keys, for messages. */
export const OPTIONAL_TAG_KEYS: readonly string[] = OPTIONAL_TAGS.map(({ key }) => key);

/** Keys custom-tags may not set. */
export const PROTECTED_TAG_KEYS: ReadonlySet<string> = new Set(
  [...STANDARD_TAGS, ...OPTIONAL_TAGS].map(({ key }) => key),
);

/** STS limits: at most 50 session tags, keys 1–128 and values 0–256 characters of this set. */
export const MAX_TAGS = 50;
export const MAX_KEY_LENGTH = 128;
export const MAX_VALUE_LENGTH = 256;
export const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const NOT_TAG_CHARACTER = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;

/** Makes a value from the run fit the tag character set and length (`feature/ü#1` → `feature/ü_1`). */
export function sanitizeTagValue(value: string): string {
  return Array.from(value.replace(NOT_TAG_CHARACTER, '_')).slice(0, MAX_VALUE_LENGTH).join('');
}

/**
 * The session tags for one AssumeRole call: standard tags with non-empty values, then the optional ones
 * (when `withOptional` and while under the 50-tag limit), then custom tags.
 */
export function sessionTags(
  run: RunContext,
  customTags: Readonly<Record<string, string>>,
  { withOptional }: { withOptional: boolean },
): Tag[] {
  const fromRun = (sources: readonly TagSource[]): Tag[] =>
    sources
      .map(({ key, value }) => ({ Key: key, Value: sanitizeTagValue(value(run)) }))
      .filter((tag) => tag.Value !== '');
  const standard = fromRun(STANDARD_TAGS);
  const custom = Object.entries(customTags).map(([Key, Value]) => ({ Key, Value }));
  const room = MAX_TAGS - standard.length - custom.length;
  const optional = withOptional ? fromRun(OPTIONAL_TAGS).slice(0, Math.max(0, room)) : [];
  return [...standard, ...optional, ...custom];
}

/** What decides an AssumeRole's tags: the inputs, as Config has them. */
export interface TaggingSettings {
  readonly skipSessionTagging: boolean;
  readonly customTags: Readonly<Record<string, string>>;
  readonly transitiveTagKeys: readonly string[];
}

/**
 * The Tags and TransitiveTagKeys of one AssumeRole (none with role-skip-session-tagging): the same for the first
 * role, every hop of a chain, every profile and the refresh process's hops.
 */
export function assumeRoleTags(
  settings: TaggingSettings,
  run: () => RunContext,
  { withOptional = true }: { withOptional?: boolean } = {},
): { Tags?: Tag[]; TransitiveTagKeys?: string[] } {
  if (settings.skipSessionTagging) return {};
  const tags = sessionTags(run(), settings.customTags, { withOptional });
  const keys = new Set(tags.map((tag) => tag.Key));
  const transitive = settings.transitiveTagKeys.filter((key) => keys.has(key));
  return { Tags: tags, ...(transitive.length > 0 && { TransitiveTagKeys: transitive }) };
}
