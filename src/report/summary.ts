import type { Tag } from '@aws-sdk/client-sts';
import { withoutPassword } from '../inputs/parsers.js';
import { arnAccount } from '../partition.js';

const SOURCE_LABELS: Readonly<Record<string, string>> = {
  'github-oidc': 'GitHub OIDC',
  'token-file': 'web identity token file',
  'static-keys': 'access keys',
  existing: "the job's existing credentials",
};

/** What the job summary reports about one run of the step. */
export interface SummaryFacts {
  readonly source: string | undefined;
  readonly identityArn: string | undefined;
  /** The `profiles` written, each with who it is. */
  readonly profiles?: readonly { readonly name: string; readonly arn: string }[];
  readonly region: string | undefined;
  /** The STS endpoint the requests went to. */
  readonly endpoint: string | undefined;
  readonly expiration: Date | undefined;
  /** refresh-credentials: later steps renew the credentials themselves, so no expiry applies to them. */
  readonly renewed: boolean;
  /** undefined: no AssumeRole call (no session tags sent). */
  readonly sessionTags: readonly Tag[] | undefined;
  readonly retries: number;
  readonly elapsedMs: number;
  readonly maskAccountId: boolean;
  readonly failure: { readonly message: string; readonly details: readonly string[] } | undefined;
}

/** A short Markdown report for GITHUB_STEP_SUMMARY: a table on success, the cause and diagnosis on failure. */
export function summaryMarkdown(facts: SummaryFacts, now: Date = new Date()): string {
  const hide = (text: string): string => {
    const account = facts.identityArn ? arnAccount(facts.identityArn) : '';
    return facts.maskAccountId && account ? text.split(account).join('***') : text;
  };
  const rows: Array<[string, string]> = [
    [
      'Credential source',
      facts.source === undefined ? '(none)' : (SOURCE_LABELS[facts.source] ?? facts.source),
    ],
    ...(facts.identityArn ? [['Identity', code(hide(facts.identityArn))] as [string, string]] : []),
    ...((facts.profiles ?? []).length > 0
      ? [
          [
            'Profiles',
            (facts.profiles ?? []).map(({ name, arn }) => `${code(name)} ${code(hide(arn))}`).join('<br>'),
          ] as [string, string],
        ]
      : []),
    ...(facts.region ? [['Region', facts.region] as [string, string]] : []),
    ...(facts.endpoint ? [['STS endpoint', code(withoutPassword(facts.endpoint))] as [string, string]] : []),
    ...(facts.renewed
      ? [
          [
            'Expires',
            'never for later steps: renewed on demand by the credential_process (refresh-credentials)',
          ] as [string, string],
        ]
      : facts.expiration
        ? [
            [
              'Expires',
              `${facts.expiration.toISOString()} (in ${Math.round((facts.expiration.getTime() - now.getTime()) / 60000)} min)`,
            ] as [string, string],
          ]
        : []),
    // Only known for a session that was made; on failure the row would mislead.
    ...(facts.failure === undefined
      ? [
          [
            'Session tags',
            facts.sessionTags === undefined
              ? 'none sent'
              : facts.sessionTags.map((tag) => code(`${tag.Key}=${tag.Value}`)).join(' ') || 'none',
          ] as [string, string],
        ]
      : []),
    ['Retries', String(facts.retries)],
    [
      'Time',
      facts.elapsedMs < 1000
        ? `${Math.round(facts.elapsedMs)} ms`
        : `${(facts.elapsedMs / 1000).toFixed(1)} s`,
    ],
  ];
  const table = [
    '| | |',
    '| --- | --- |',
    ...rows.map(([name, value]) => `| ${name} | ${escapeCell(value)} |`),
  ];
  if (facts.failure === undefined) return ['### AWS credentials', '', ...table, ''].join('\n');
  return [
    '### AWS credentials: failed',
    '',
    `> ${escapeCell(hide(facts.failure.message))}`,
    '',
    ...(facts.failure.details.length > 0 ? ['```text', ...facts.failure.details.map(hide), '```', ''] : []),
    ...table,
    '',
  ].join('\n');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function escapeCell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;');
}
