// output-credentials: true with output-env-credentials: false: the credentials are step outputs only, for a
// workflow that hands them to one later step itself.
import { describe, expect, it } from '@jest/globals';
import { runAction, useWorld } from './fixture.js';
import { findUnmasked } from './leaks.js';

const world = useWorld();

describe.each([
  { debug: false, mode: 'normal log' },
  { debug: true, mode: 'RUNNER_DEBUG=1' },
])('outputs mode ($mode)', ({ debug }) => {
  it('sets the credentials as outputs, masked, and puts nothing in the environment', async () => {
    const { account, aws } = world();
    const job = world().newJob({ idToken: true, debug });
    const step = await runAction(world(), job, {
      'role-to-assume': account.deployRole,
      'output-credentials': true,
      'output-env-credentials': false,
    });

    expect(step.exitCode).toBe(0);
    expect(step.exported).toEqual({});
    expect(
      Object.keys(job.env).filter((name) => name.startsWith('AWS_') && name !== 'AWS_EC2_METADATA_DISABLED'),
    ).toEqual([]);
    const outputs = step.outputs;
    expect(Object.keys(outputs).sort()).toEqual([
      'authenticated-arn',
      'aws-access-key-id',
      'aws-account-id',
      'aws-expiration',
      'aws-secret-access-key',
      'aws-session-token',
    ]);
    expect(outputs['authenticated-arn']).toBe(
      `arn:aws:sts::${account.accountId}:assumed-role/deploy/GitHubActions`,
    );
    expect(outputs['aws-access-key-id']).toMatch(/^ASIA/);
    // JSON-quoted, as configure-aws-credentials writes it (`fromJSON(steps.x.outputs.aws-expiration)`).
    expect(outputs['aws-expiration']).toMatch(/^"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
    expect(new Date(JSON.parse(outputs['aws-expiration'] ?? '""') as string).getTime()).toBeGreaterThan(
      Date.now(),
    );
    expect(
      findUnmasked(step.log, [
        { name: 'secret key output', value: outputs['aws-secret-access-key'] ?? '' },
        { name: 'session token output', value: outputs['aws-session-token'] ?? '' },
      ]),
    ).toEqual([]);

    // A later step without them has no credentials; one given the outputs (env: ${{ steps.x.outputs.* }}) works.
    const region = { AWS_DEFAULT_REGION: world().region };
    const without = await job.run(aws(['sts', 'get-caller-identity']), { env: region });
    expect(without.exitCode).not.toBe(0);
    expect(without.stderr).toContain('Unable to locate credentials');
    const given = await job.run(aws(['sts', 'get-caller-identity', '--output', 'json']), {
      env: {
        AWS_ACCESS_KEY_ID: outputs['aws-access-key-id'] ?? '',
        AWS_SECRET_ACCESS_KEY: outputs['aws-secret-access-key'] ?? '',
        AWS_SESSION_TOKEN: outputs['aws-session-token'] ?? '',
        ...region,
      },
    });
    expect(JSON.parse(given.stdout).Arn).toBe(outputs['authenticated-arn']);
  });
});
