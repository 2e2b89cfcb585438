// Drop-in sameness: the reference's own unit-test cases (sameness-cases.ts) run black-box by ours and by the
// reference (configure-aws-credentials v6.2.3, vendored) in the same world. For each case, every normalised
// field (both.ts) must be equal once the differences the case names are asserted and settled; the differences
// are one table (sameness-differences.ts), each shown by at least one case.
import { beforeAll, describe, expect, it, jest } from '@jest/globals';
import { runBoth } from './both.js';
import { useWorld } from './fixture.js';
import { CASES, type CaseContext } from './sameness-cases.js';
import { DIFFERENCES, EVERY_CASE, type DifferenceId } from './sameness-differences.js';

jest.setTimeout(30_000);
const world = useWorld();
let session: CaseContext['session'] | undefined;

beforeAll(async () => {
  // An earlier step's deploy-role session, from the AWS CLI rather than either action, for the chaining cases.
  const { account, region, aws } = world();
  const job = world().newJob();
  const assumed = await job.run(
    aws(['sts', 'assume-role', '--role-arn', account.deployRole, '--role-session-name', 'GitHubActions']),
    {
      env: {
        AWS_ACCESS_KEY_ID: account.accessKeyId,
        AWS_SECRET_ACCESS_KEY: account.secretAccessKey,
        AWS_DEFAULT_REGION: region,
      },
    },
  );
  expect(assumed.stderr).toBe('');
  const { Credentials } = JSON.parse(assumed.stdout);
  session = {
    AWS_ACCESS_KEY_ID: Credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: Credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: Credentials.SessionToken,
  };
}, 30_000);

describe.each(Object.entries(CASES))('%s', (_block, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, { scenario, differences = [], project }) => {
      if (session === undefined) throw new Error('the deploy-role session was not set up (see beforeAll)');
      const { ours, reference } = await runBoth(world(), await scenario({ world: world(), session }));
      for (const side of [ours, reference]) project?.(side);
      const named = new Set<DifferenceId>([...EVERY_CASE, ...differences]);
      // In the table's order, so that a difference settled by taking ours whole comes after the narrow ones.
      for (const [id, difference] of Object.entries(DIFFERENCES)) {
        if (!named.has(id as DifferenceId)) continue;
        const before = JSON.stringify({ ours, reference }, null, 1);
        try {
          difference.settle(ours, reference);
        } catch (error) {
          throw new Error(`The difference ${id} did not show: ${String(error)}\n${before}`, { cause: error });
        }
      }
      expect(ours).toEqual(reference);
    },
  );
});

it('every difference in the table is shown by a case', () => {
  const shown = new Set(Object.values(CASES).flatMap((cases) => cases.flatMap((c) => c.differences ?? [])));
  for (const id of EVERY_CASE) shown.add(id);
  expect(Object.keys(DIFFERENCES).filter((id) => !shown.has(id as DifferenceId))).toEqual([]);
});
