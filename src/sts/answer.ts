import { ActionError } from '../errors.js';

// What STS can answer, field by field. An answer comes from whatever the endpoint is (sts-endpoint,
// AWS_ENDPOINT_URL_STS, a proxy, a man in the middle), and its values end up in files (~/.aws/credentials),
// the log, GITHUB_ENV and the post step's state: a line break in a key could add a credential_process line to
// the credentials file, one in an ARN a workflow command to the log. So every field is checked against what STS
// really sends, before anything is masked, written, logged or saved.

/** Each checked field: its rule as a pattern, and the rule in words for the error message. */
export const ANSWER_RULES = {
  AccessKeyId: { pattern: /^[A-Z0-9]{16,128}$/, says: '16 to 128 capital letters and digits' },
  SecretAccessKey: { pattern: /^[A-Za-z0-9/+=]{16,128}$/, says: '16 to 128 characters of A-Z a-z 0-9 / + =' },
  SessionToken: {
    pattern: /^[A-Za-z0-9/+=]{16,16384}$/,
    says: '16 to 16384 characters of A-Z a-z 0-9 / + =',
  },
  AssumedRoleArn: {
    pattern: /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/[\w+=,.@-]{1,64}\/[\w+=,.@-]{2,64}$/,
    says: 'an assumed-role ARN like arn:aws:sts::123456789012:assumed-role/ROLE/SESSION',
  },
  Account: { pattern: /^\d{12}$/, says: '12 digits' },
  CallerArn: {
    pattern: /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]{1,1024}$/,
    says: 'an IAM or STS ARN like arn:aws:iam::123456789012:user/NAME',
  },
} as const;

type Field = keyof typeof ANSWER_RULES;

/** Throws unless `value` is what STS sends in this field; the message names the field, never the value. */
export function checkAnswerField(
  endpoint: string,
  call: string,
  field: Field,
  value: unknown,
  label: string = field,
): string {
  const rule = ANSWER_RULES[field];
  if (typeof value === 'string' && rule.pattern.test(value)) return value;
  throw malformed(endpoint, call, `${missingOr(value)} ${label} (STS sends ${rule.says})`);
}

/** Throws unless the credentials' expiration is a time in the future. */
export function checkExpiration(endpoint: string, call: string, value: unknown, now = Date.now()): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw malformed(endpoint, call, `${missingOr(value)} Credentials.Expiration (STS sends a time)`);
  }
  if (value.getTime() <= now) {
    throw malformed(
      endpoint,
      call,
      `credentials that expired at ${value.toISOString()}, before they were issued (the runner's clock or the endpoint is wrong)`,
    );
  }
  return value;
}

function missingOr(value: unknown): string {
  return value === undefined || value === null || value === '' ? 'no' : 'a malformed';
}

function malformed(endpoint: string, call: string, what: string): ActionError {
  return new ActionError(
    `The STS endpoint ${endpoint} answered ${call} with ${what}: nothing was exported. Check that sts-endpoint, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the proxy lead to AWS STS.`,
  );
}
