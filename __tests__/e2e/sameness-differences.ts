// Every way ours is meant to differ from the reference (configure-aws-credentials v6.2.3), in one table. A
// sameness case names the differences it shows; `settle` asserts each one in that run and then removes it from
// both sides, so whatever is left must be equal. A difference no case shows is an error (sameness.test.ts).
import { expect } from '@jest/globals';
import type { Side, StsCall } from './both.js';
import { CUSTOM_AUDIENCE } from './world/seed.js';

export interface Difference {
  /** What ours does that the reference does not, in one line. */
  readonly says: string;
  /** Asserts the difference in this run, then removes it from both sides. */
  readonly settle: (ours: Side, reference: Side) => void;
}

const REFERENCE_NAME = 'configure-aws-credentials-for-github-actions';
const OUR_NAME = 'assume-aws-role-action';
/** What the reference's post step always empties (plus AWS_PROFILE with aws-profile). */
const REFERENCE_CLEANUP = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
];

export const DIFFERENCES = {
  'user-agent-product-name': {
    says: `STS calls name ${OUR_NAME} in the User-Agent where the reference names ${REFERENCE_NAME} (same md/ tokens)`,
    settle: (ours, reference) => {
      if (ours.sts.length > 0) expect(ours.userAgent[0]).toBe(OUR_NAME);
      if (reference.sts.length > 0) expect(reference.userAgent[0]).toBe(REFERENCE_NAME);
      expect(ours.userAgent).not.toContain(REFERENCE_NAME);
      if (ours.sts.length > 0 && reference.sts.length > 0) {
        reference.userAgent = reference.userAgent.map((token) =>
          token === REFERENCE_NAME ? OUR_NAME : token,
        );
      } else {
        // Only one side called STS: there is no other User-Agent to compare it with.
        ours.userAgent = [];
        reference.userAgent = [];
      }
    },
  },
  'job-summary-by-default': {
    says: 'ours appends a report to the job summary (GITHUB_STEP_SUMMARY), whether the step succeeds or fails, unless summary: false; the reference writes no job summary',
    settle: (ours, reference) => {
      expect([ours.summary, reference.summary]).toEqual([true, false]);
      ours.summary = false;
    },
  },
  'reference-extra-GetCallerIdentity': {
    says: 'the reference calls GetCallerIdentity to check source credentials and again after assuming a role; ours only asks STS what it needs (AssumeRole answers name the account)',
    settle: (ours, reference) => {
      const kept: StsCall[] = [];
      let matched = 0;
      for (const call of reference.sts) {
        const next = ours.sts[matched];
        if (next !== undefined && JSON.stringify(call) === JSON.stringify(next)) {
          kept.push(call);
          matched++;
        } else if (call.action !== 'GetCallerIdentity') kept.push(call);
      }
      expect(reference.sts.length - kept.length).toBeGreaterThan(0);
      const extra = reference.sts.length - kept.length;
      reference.sts = kept;
      // Through a proxy the extra calls show there too.
      const proxied = (side: Side) => side.viaProxy.filter((action) => action === 'GetCallerIdentity').length;
      if (reference.viaProxy.length > 0) {
        let drop = Math.min(extra, proxied(reference) - proxied(ours));
        reference.viaProxy = reference.viaProxy.filter(
          (action) => action !== 'GetCallerIdentity' || drop-- <= 0,
        );
      }
    },
  },
  'AWS_CREDENTIAL_EXPIRATION-exported': {
    says: 'with temporary credentials ours also exports AWS_CREDENTIAL_EXPIRATION (and its post step empties it)',
    settle: (ours, reference) => {
      expect(ours.exported.AWS_CREDENTIAL_EXPIRATION).toBe('<iso time>');
      expect(reference.exported).not.toHaveProperty('AWS_CREDENTIAL_EXPIRATION');
      delete ours.exported.AWS_CREDENTIAL_EXPIRATION;
      if (ours.post === 'skipped') return;
      expect(ours.post.exported.AWS_CREDENTIAL_EXPIRATION).toBe('');
      delete ours.post.exported.AWS_CREDENTIAL_EXPIRATION;
    },
  },
  'AWS_SDK_UA_APP_ID-exported': {
    says: 'whenever it exports variables ours also exports AWS_SDK_UA_APP_ID=gha-<run id>-<attempt> (unless the job has one), which its post step leaves',
    settle: (ours, reference) => {
      expect(ours.exported.AWS_SDK_UA_APP_ID).toMatch(/^gha-\d+-\d+$/);
      expect(reference.exported).not.toHaveProperty('AWS_SDK_UA_APP_ID');
      delete ours.exported.AWS_SDK_UA_APP_ID;
      if (ours.post !== 'skipped') expect(ours.post.exported).not.toHaveProperty('AWS_SDK_UA_APP_ID');
    },
  },
  'post-keeps-region': {
    says: "ours' post step leaves AWS_REGION and AWS_DEFAULT_REGION (that had no earlier value) as they are; the reference's empties them, and an empty AWS_REGION breaks the JS SDK in later post steps",
    settle: (ours, reference) => {
      if (ours.post === 'skipped' || reference.post === 'skipped') throw new Error('no post step ran');
      for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
        expect(reference.post.exported[name]).toBe('');
        expect([undefined, ours.exported[name]]).toContainEqual(ours.post.exported[name]);
        delete reference.post.exported[name];
        delete ours.post.exported[name];
      }
    },
  },
  'post-keeps-profile': {
    says: "ours' post step leaves an AWS_PROFILE it set (with no earlier value) naming a region-only stub profile; the reference's empties AWS_PROFILE, which the AWS CLI and boto3 refuse",
    settle: (ours, reference) => {
      if (ours.post === 'skipped' || reference.post === 'skipped') throw new Error('no post step ran');
      expect(reference.post.exported.AWS_PROFILE).toBe('');
      const profile = ours.exported.AWS_PROFILE ?? '';
      expect([undefined, profile]).toContainEqual(ours.post.exported.AWS_PROFILE);
      const stub = profile === 'default' ? 'default' : `profile ${profile}`;
      expect(ours.post.files.config?.[stub]).toHaveProperty('region');
      delete reference.post.exported.AWS_PROFILE;
      delete ours.post.exported.AWS_PROFILE;
    },
  },
  'post-undoes-only-own-exports': {
    says: "ours' post step empties only what its main step exported (nothing after a failure, no AWS_SESSION_TOKEN after long-term keys); the reference's always empties its five variables",
    settle: (ours, reference) => {
      if (ours.post === 'skipped' || reference.post === 'skipped') throw new Error('no post step ran');
      const oursPost = ours.post.exported;
      const extra = Object.keys(reference.post.exported).filter(
        (name) => !(name in oursPost) && !(name in ours.exported),
      );
      expect(extra.length).toBeGreaterThan(0);
      for (const name of extra) {
        expect(REFERENCE_CLEANUP).toContain(name);
        expect(reference.post.exported[name]).toBe('');
        delete reference.post.exported[name];
      }
    },
  },
  'profile-headers-read-like-the-sdks': {
    says: 'a profile header with an inline comment (`[tooling]  ; team profile`), which botocore and the JS SDK read as profile tooling: ours keeps that profile when it writes aws-profile; the reference does not see the header and rewrites the file without it',
    settle: (ours, reference) => {
      const tooling = { aws_access_key_id: '<user key>', aws_secret_access_key: '<user secret>' };
      expect(ours.files.credentials?.tooling).toEqual(tooling);
      expect(reference.files.credentials).not.toHaveProperty('tooling');
      // Settled on our side: the profile was there before the step, so no post step is to remove it.
      delete ours.files.credentials?.tooling;
      if (ours.post === 'skipped' || reference.post === 'skipped') return;
      expect(ours.post.files.credentials?.tooling).toEqual(tooling);
      expect(reference.post.files.credentials).not.toHaveProperty('tooling');
      delete ours.post.files.credentials?.tooling;
    },
  },
  'post-removes-profile-sections': {
    says: "ours' post step removes the profile sections its main step wrote (credentials included); the reference leaves them, secrets and all, in ~/.aws",
    settle: (ours, reference) => {
      if (ours.post === 'skipped' || reference.post === 'skipped') throw new Error('no post step ran');
      expect(reference.post.files).toEqual(reference.files);
      for (const section of Object.keys(ours.files.credentials ?? {})) {
        expect(ours.post.files.credentials ?? {}).not.toHaveProperty([section]);
      }
      reference.post.files = ours.post.files;
    },
  },
  'all-or-nothing-on-failure': {
    says: 'when the step fails ours exports and outputs nothing; the reference has often exported the region, the source keys or even the new credentials by then',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([false, false]);
      expect([ours.exported, ours.outputs]).toEqual([{}, {}]);
      expect(Object.keys({ ...reference.exported, ...reference.outputs }).length).toBeGreaterThan(0);
      reference.exported = {};
      reference.outputs = {};
    },
  },
  'inputs-checked-before-any-call': {
    says: 'ours refuses inputs that cannot work before any call (a role outside allowed-account-ids, an aws-profile name the files cannot hold); the reference assumes the role first',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([false, false]);
      expect(ours.sts).toEqual([]);
      expect(reference.sts.length).toBeGreaterThan(0);
      reference.sts = [];
      reference.viaProxy = [];
    },
  },
  'stricter-input-validation': {
    says: 'ours refuses before any call a retry-max-attempts below 1, a role-duration-seconds that is not a whole number of seconds (1h) and an aws-region that is not a region code (useast1); the reference turns 0 attempts into 12 and negatives into 1, reads 1h as 1 second, takes any word of a-z, 0-9 and - for a region, and runs',
    settle: (ours, reference) => {
      expectRefusedUpFront(ours);
      expect(reference.sts.length).toBeGreaterThan(0);
      takeOurs(reference, ours);
    },
  },
  'identity-outputs-always': {
    says: "ours always sets the aws-account-id and authenticated-arn outputs; the reference only when it also exports variables (not with aws-profile or output-env-credentials: false), and not at all when use-existing-credentials keeps the job's credentials",
    settle: (ours, reference) => {
      expect(Object.keys(ours.outputs)).toEqual(
        expect.arrayContaining(['aws-account-id', 'authenticated-arn']),
      );
      expect(reference.outputs).not.toHaveProperty('aws-account-id');
      expect(reference.outputs).not.toHaveProperty('authenticated-arn');
      delete ours.outputs['aws-account-id'];
      delete ours.outputs['authenticated-arn'];
    },
  },
  'audience-env-honoured': {
    says: 'an AUDIENCE variable stands in for the audience input with ours; the reference declares a default for audience, so the runner always passes it and AUDIENCE never takes effect',
    settle: (ours, reference) => {
      const audiences = (side: Side) => side.sts.map((call) => call.params.WebIdentityToken);
      expect(audiences(ours)).toEqual([`<jwt aud=${CUSTOM_AUDIENCE}>`]);
      expect(audiences(reference)[0]).toBe('<jwt aud=sts.amazonaws.com>');
      for (const call of reference.sts) {
        if (call.params.WebIdentityToken !== undefined)
          call.params.WebIdentityToken = `<jwt aud=${CUSTOM_AUDIENCE}>`;
      }
    },
  },
  'audience-follows-partition': {
    says: "without an audience input ours asks GitHub for a token for the region's partition (sts.amazonaws.com.cn in cn-* regions, as IAM OIDC providers in China expect); the reference always asks for sts.amazonaws.com, its action.yml default",
    settle: (ours, reference) => {
      const audiences = (side: Side) =>
        side.sts
          .flatMap((call) => call.params.WebIdentityToken ?? [])
          .filter((jwt, n, all) => all.indexOf(jwt) === n);
      expect(audiences(ours)).toEqual(['<jwt aud=sts.amazonaws.com.cn>']);
      expect(audiences(reference)).toEqual(['<jwt aud=sts.amazonaws.com>']);
      for (const call of reference.sts) {
        if (call.params.WebIdentityToken !== undefined)
          call.params.WebIdentityToken = '<jwt aud=sts.amazonaws.com.cn>';
      }
    },
  },
  'env-credentials-win-over-earlier-profile': {
    says: "after an earlier step set AWS_PROFILE, ours signs with the given keys and also exports AWS_PROFILE=assume-aws-role-env, a credential_process profile printing the new keys (the JS SDK prefers AWS_PROFILE to keys), put back by its post step; the reference's SDK chain reads the earlier profile instead of the keys, and the step fails",
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([true, false]);
      expect(ours.exported.AWS_PROFILE).toBe('assume-aws-role-env');
      expect(ours.files.config?.['profile assume-aws-role-env']).toHaveProperty('credential_process');
      expect(JSON.stringify(ours.files.config)).not.toMatch(/<secret>|<token>/);
      if (ours.post !== 'skipped')
        expect(ours.post.exported.AWS_PROFILE).toMatch(/^(?!assume-aws-role-env$)./);
      expect(reference.sts.map((call) => call.action)).not.toContain('AssumeRole');
      takeOurs(reference, ours);
    },
  },
  'chaining-signs-with-environment-keys': {
    says: "role-chaining with keys in the environment and an AWS_PROFILE beside them: ours signs AssumeRole with the keys, as the AWS CLI and boto3 resolve them (keys before AWS_PROFILE); the reference's SDK chain takes the profile's credentials instead, and the step fails when those may not assume the role",
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([true, false]);
      const assumes = (side: Side) =>
        side.sts.filter((call) => call.action === 'AssumeRole').map((call) => [call.signingKey, call.status]);
      expect(assumes(ours)).toEqual([['<given key>', 200]]);
      expect(assumes(reference)).toEqual([['<user key>', 403]]);
      takeOurs(reference, ours);
    },
  },
  'keys-sign-assume-role-without-env': {
    says: 'access keys and a role without exporting to the environment (aws-profile, output-env-credentials: false): ours signs AssumeRole with the keys; the reference signs it with the SDK default chain, which has them only once exported, and fails (or signs with whatever the runner has)',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([true, false]);
      expect(ours.sts.map((call) => [call.action, call.signingKey])).toEqual([['AssumeRole', '<user key>']]);
      expect(reference.sts.map((call) => call.action)).not.toContain('AssumeRole');
      takeOurs(reference, ours);
    },
  },
  'force-skip-oidc-uses-existing-credentials': {
    says: 'force-skip-oidc with role-to-assume and neither keys nor a token file: ours assumes the role with the credentials the job already has; the reference refuses the step up front (it wants aws-access-key-id or web-identity-token-file)',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([true, false]);
      expect(ours.sts.map((call) => [call.action, call.signingKey])).toEqual([['AssumeRole', '<given key>']]);
      expect(reference.sts).toEqual([]);
      takeOurs(reference, ours);
    },
  },
  'lowercase-proxy-variables': {
    says: 'https_proxy and http_proxy (lowercase, as curl reads them) name a proxy too when no http-proxy input or HTTPS_PROXY/HTTP_PROXY is set; the reference reads only the uppercase ones',
    settle: (ours, reference) => {
      expect(ours.viaProxy.length).toBeGreaterThan(0);
      expect(reference.viaProxy).toEqual([]);
      reference.viaProxy = [...ours.viaProxy];
    },
  },
  'bare-role-name-partition': {
    says: 'a bare role name is completed in the partition of aws-region (arn:aws-cn:iam::… in cn-* regions); the reference always writes arn:aws:iam::…',
    settle: (ours, reference) => {
      const roleArns = (side: Side) =>
        side.sts.filter((call) => call.action === 'AssumeRole').map((call) => call.params.RoleArn);
      expect(roleArns(ours)).toEqual([expect.stringMatching(/^arn:aws-cn:iam::\d{12}:role\/deploy$/)]);
      expect(roleArns(reference)).toEqual([expect.stringMatching(/^arn:aws:iam::\d{12}:role\/deploy$/)]);
      takeOurs(reference, ours);
    },
  },
  'no-proxy-matches-endpoints-with-ports': {
    says: 'no-proxy host entries match an endpoint URL with a port (http://127.0.0.1:4566); the reference compares them with host:port, never matches, and sends such requests to the proxy',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([true, false]);
      expect(reference.sts.filter((call) => call.action.startsWith('AssumeRole'))).toEqual([]);
      takeOurs(reference, ours);
    },
  },
  'missing-run-variables-tolerated': {
    says: 'with GITHUB_REPOSITORY or GITHUB_SHA empty ours assumes the role without those tags; the reference refuses to assume any role unless GITHUB_REPOSITORY, GITHUB_WORKFLOW, GITHUB_ACTION, GITHUB_ACTOR, GITHUB_SHA and GITHUB_WORKSPACE are all set',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([true, false]);
      const keys = ours.sts.find((call) => call.action === 'AssumeRole')?.tags.map(([key]) => key);
      expect(keys).not.toContain('Repository');
      expect(keys).not.toContain('Commit');
      expect(reference.sts.map((call) => call.action)).not.toContain('AssumeRole');
      takeOurs(reference, ours);
    },
  },
  'disable-retry-disables-sdk-retries': {
    says: "disable-retry: ours tries each STS request once; the reference only stops its own retry loop, and the SDK's standard retries (3 attempts for throttling, 5xx and network errors) still run",
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([false, true]);
      expect(ours.sts.map((call) => call.fault)).toEqual(['error']);
      expect(reference.sts.map((call) => call.fault).slice(0, 2)).toEqual(['error', undefined]);
      takeOurs(reference, ours);
    },
  },
  'only-transient-errors-retried': {
    says: 'ours retries only what can succeed later (throttling, 5xx, network faults); the reference retries every failure of its steps, AccessDenied included, up to retry-max-attempts times with backoff',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([false, true]);
      const assumes = (side: Side) => side.sts.filter((call) => call.action.startsWith('AssumeRole'));
      expect(assumes(ours).map((call) => call.status)).toEqual([403]);
      expect(assumes(reference).map((call) => call.status)).toEqual([403, 200]);
      takeOurs(reference, ours);
    },
  },
  'special-characters-workaround-bounded': {
    says: 'special-characters-workaround: ours assumes the role at most retry-max-attempts times and then fails; the reference loops until it gets a plain secret key, however long that takes',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([false, true]);
      const assumes = (side: Side) => side.sts.filter((call) => call.action.startsWith('AssumeRole')).length;
      expect(assumes(ours)).toBe(2);
      expect(assumes(reference)).toBeGreaterThan(2);
      takeOurs(reference, ours);
    },
  },
  'tag-limit-cuts-optional-tags': {
    says: 'custom-tags that take a session over 50 tags (at most 43 given): ours leaves out optional tags (TriggeringActor first) to send 50; the reference refuses the step',
    settle: (ours, reference) => {
      expect([ours.ok, reference.ok]).toEqual([true, false]);
      const tags = ours.sts.find((call) => call.action === 'AssumeRole')?.tags ?? [];
      expect(tags).toHaveLength(50);
      expect(tags.slice(0, 7).map(([key]) => key)).toEqual([
        'GitHub',
        'Repository',
        'Workflow',
        'Action',
        'Actor',
        'Commit',
        'Branch',
      ]);
      expect(reference.sts.map((call) => call.action)).not.toContain('AssumeRole');
      takeOurs(reference, ours);
    },
  },
  'tag-values-cut-by-character': {
    says: 'tag values from the run are cut to 256 characters; the reference cuts 256 UTF-16 units, which can split a character in two and then fail the request',
    settle: (ours, reference) => {
      expect(ours.ok).toBe(true);
      const headRef = (side: Side) =>
        side.sts.find((call) => call.action === 'AssumeRole')?.tags.find(([key]) => key === 'HeadRef')?.[1];
      expect(Array.from(headRef(ours) ?? '')).toHaveLength(256);
      expect(headRef(reference)).not.toBe(headRef(ours));
      takeOurs(reference, ours);
    },
  },
} satisfies Record<string, Difference>;

export type DifferenceId = keyof typeof DIFFERENCES;

/** Applied to every case: the action's own name can never be the same, and no case sets summary: false. */
export const EVERY_CASE: readonly DifferenceId[] = ['user-agent-product-name', 'job-summary-by-default'];

/** Ours failed on its inputs: no call, nothing exported, nothing to undo. */
function expectRefusedUpFront(side: Side): void {
  expect({ ok: side.ok, exported: side.exported, outputs: side.outputs, sts: side.sts }).toEqual({
    ok: false,
    exported: {},
    outputs: {},
    sts: [],
  });
  if (side.post !== 'skipped') expect(side.post.exported).toEqual({});
}

/**
 * For differences in the whole outcome (one side fails, the other does not): once asserted, the rest of the
 * reference's run says nothing more about sameness.
 */
function takeOurs(reference: Side, ours: Side): void {
  Object.assign(reference, structuredClone(ours));
}
