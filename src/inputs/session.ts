import { InputError } from '../errors.js';
import { parseJson, parseList, shown } from './parsers.js';
import { arnPartition, type Partition } from '../partition.js';
import {
  MAX_KEY_LENGTH,
  MAX_TAGS,
  MAX_VALUE_LENGTH,
  PROTECTED_TAG_KEYS,
  STANDARD_TAGS,
  TAG_CHARACTERS,
} from '../sts/session-tags.js';

// The inputs that shape the role session: session tags and session policies, checked against STS's limits.

const POLICY_ARN = /^arn:aws[-a-z]*:iam::(\d{12}|aws):policy\/[\w+=,.@/-]{1,512}$/;
const MAX_INLINE_POLICY = 2048;
const MAX_MANAGED_POLICIES = 10;

/**
 * custom-tags: a JSON object of string, number or boolean values (the last two sent as text, as the reference
 * action does), no key the action sets, within STS's limits.
 */
export function readCustomTags(raw: string): Record<string, string> {
  if (raw === '') return {};
  const accepted = 'a JSON object of string, number or boolean values, like {"Team": "platform"}';
  const parsed = parseJson('custom-tags', raw, accepted);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('custom-tags', `custom-tags must be ${accepted}`);
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const room = MAX_TAGS - STANDARD_TAGS.length;
  if (entries.length > room) {
    throw new InputError(
      'custom-tags',
      `custom-tags may hold at most ${room} tags (STS allows ${MAX_TAGS}, the action always sets ${STANDARD_TAGS.length}), got ${entries.length}`,
    );
  }
  // STS compares tag keys without regard to case: so do these checks.
  const protectedKeys = new Set([...PROTECTED_TAG_KEYS].map((key) => key.toLowerCase()));
  const seen = new Set<string>();
  const tags: Record<string, string> = {};
  for (const [key, raw] of entries) {
    if (seen.has(key.toLowerCase())) {
      throw new InputError(
        'custom-tags',
        `custom-tags has ${shown(key)} twice: STS treats tag keys that differ only in case as the same key`,
      );
    }
    seen.add(key.toLowerCase());
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')
      throw new InputError(
        'custom-tags',
        `custom-tags must be ${accepted}: the value of ${shown(key)} is ${raw === null ? 'null' : 'an object or array'}`,
      );
    const value = String(raw);
    if (protectedKeys.has(key.toLowerCase())) {
      throw new InputError(
        'custom-tags',
        `custom-tags can't set ${shown(key)}: the action sets it (${[...PROTECTED_TAG_KEYS].join(', ')})`,
      );
    }
    if (key.length < 1 || key.length > MAX_KEY_LENGTH || !TAG_CHARACTERS.test(key)) {
      throw new InputError(
        'custom-tags',
        `custom-tags keys must be 1 to ${MAX_KEY_LENGTH} letters, digits, spaces or _.:/=+-@ characters, got ${shown(key)}`,
      );
    }
    if (value.length > MAX_VALUE_LENGTH || !TAG_CHARACTERS.test(value)) {
      throw new InputError(
        'custom-tags',
        `custom-tags values must be at most ${MAX_VALUE_LENGTH} letters, digits, spaces or _.:/=+-@ characters: the value of ${shown(key)} is ${shown(value)}`,
      );
    }
    tags[key] = value;
  }
  return tags;
}

/** transitive-tag-keys: keys of tags the action sends. */
export function readTransitiveTagKeys(raw: string, customTags: Record<string, string>): string[] {
  const keys = parseList(raw);
  for (const key of keys) {
    if (!PROTECTED_TAG_KEYS.has(key) && !Object.hasOwn(customTags, key)) {
      throw new InputError(
        'transitive-tag-keys',
        `transitive-tag-keys must name session tags the action sends (${[...PROTECTED_TAG_KEYS].join(', ')} or a custom-tags key), got ${shown(key)}`,
      );
    }
  }
  return keys;
}

/** inline-session-policy: a JSON policy document, minified. */
export function readInlinePolicy(raw: string): string | undefined {
  if (raw === '') return undefined;
  const accepted = 'an IAM policy document as a JSON object';
  const parsed = parseJson('inline-session-policy', raw, accepted);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('inline-session-policy', `inline-session-policy must be ${accepted}`);
  }
  const minified = JSON.stringify(parsed);
  if (minified.length > MAX_INLINE_POLICY) {
    throw new InputError(
      'inline-session-policy',
      `inline-session-policy must be at most ${MAX_INLINE_POLICY} characters once minified (an STS limit), got ${minified.length}`,
    );
  }
  return minified;
}

/** managed-session-policies: at most 10 policy ARNs of the region's partition. */
export function readManagedPolicies(raw: string, partition: Partition): string[] {
  const arns = parseList(raw);
  for (const arn of arns) {
    if (!POLICY_ARN.test(arn)) {
      throw new InputError(
        'managed-session-policies',
        `managed-session-policies must be IAM policy ARNs like arn:aws:iam::aws:policy/ReadOnlyAccess, one per line, got ${shown(arn)}`,
      );
    }
    if (arnPartition(arn) !== partition.name) {
      throw new InputError(
        'managed-session-policies',
        `managed-session-policies must be in partition ${partition.name} (the partition of aws-region), got ${shown(arn)}`,
      );
    }
  }
  if (arns.length > MAX_MANAGED_POLICIES) {
    throw new InputError(
      'managed-session-policies',
      `managed-session-policies may list at most ${MAX_MANAGED_POLICIES} policies (an STS limit), got ${arns.length}`,
    );
  }
  return arns;
}
