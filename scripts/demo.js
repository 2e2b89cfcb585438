// `npm run demo`: a newcomer's first command. Starts the test world (moto as STS/IAM/S3, GitHub's ID-token
// endpoint, a recording STS proxy), runs the action from dist/ as a workflow would (GitHub OIDC → assume the
// deploy role), then a later step with the AWS CLI, then the post step, and prints what a user would see.
// Everything it started is stopped at the end, also on failure.
import { decodeJwt } from 'jose';
import { loadActionMetadata } from '../__tests__/e2e/world/action-metadata.js';
import { maskedLog } from '../__tests__/e2e/world/log-view.js';
import { startWorld } from '../__tests__/e2e/world/world.js';

const ACTION = 'octo-org/assume-aws-role-action@v1';

/** @param {string} text @param {string} [pad] */
const indent = (text, pad = '  ') =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
/** @param {string} text */
const heading = (text) => console.log(`\n${text}\n${'─'.repeat(text.length)}`);
/** @param {Record<string, string>} values */
const lines = (values) =>
  Object.entries(values)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');

async function demo() {
  const started = Date.now();
  console.log('Starting the test world: moto, a GitHub ID-token endpoint, a recording STS proxy…');
  const world = await startWorld();
  try {
    const { account } = world;
    heading('The world (all on 127.0.0.1, stopped at the end)');
    console.log(
      indent(
        [
          `moto (STS, IAM, S3)   ${world.motoUrl}  account ${account.accountId}; checks signatures, policies, trust`,
          `  user ${account.userName} with access keys · role deploy, trusted by GitHub OIDC for octo-org/octo-repo,`,
          `  may list bucket ${account.bucket} · the user alone may not`,
          `GitHub ID-token API   ${world.oidc.requestUrl}`,
          `STS for the action    ${world.stsEndpoint}  (records each request, forwards it to moto)`,
        ].join('\n'),
      ),
    );

    const withInputs = {
      'aws-region': world.region,
      'role-to-assume': account.deployRole,
      'sts-endpoint': world.stsEndpoint,
    };
    heading('The workflow');
    console.log(
      indent(
        [
          'permissions: { id-token: write, contents: read }',
          'steps:',
          `  - uses: ${ACTION}`,
          '    with:',
          ...Object.entries(withInputs).map(([name, value]) => `      ${name}: ${value}`),
          '  - run: aws sts get-caller-identity && aws s3 ls',
        ].join('\n'),
      ),
    );

    const job = world.newJob({ idToken: true });
    heading(`Run ${ACTION}   (dist/index.js under Node 24)`);
    console.log(indent(`with:\n${indent(stepInputs(withInputs))}`));
    const step = await job.uses(withInputs);
    console.log(`\n${indent(step.display)}`);
    console.log(`\n  exit code ${step.exitCode}`);
    const maskLines = step.log.split('\n').filter((line) => line.startsWith('::add-mask::')).length;
    console.log(
      `  (${maskLines} ::add-mask:: lines are hidden above: the runner registers those values and shows them as ***)`,
    );
    if (step.exitCode !== 0) throw new Error('the action failed: see its log above');

    console.log('\n  STS was asked (recorded by the proxy):');
    for (const { params, signed, status } of world.sts.requests) {
      const { Action, WebIdentityToken, ...rest } = params;
      delete rest.Version;
      console.log(indent(`${Action} (${signed ? 'signed' : 'unsigned'}) → HTTP ${status}`, '    '));
      console.log(indent(lines(rest), '      '));
      if (WebIdentityToken) {
        const claims = decodeJwt(WebIdentityToken);
        console.log(`      WebIdentityToken=<the job's OIDC JWT: aud ${claims.aud}, sub ${claims.sub}>`);
      }
    }
    console.log('\n  exported for later steps (GITHUB_ENV, masked as the runner would show it):');
    console.log(indent(maskedLog(lines(step.exported), { masks: job.masks }), '    '));
    console.log('\n  outputs:');
    console.log(indent(lines(step.outputs), '    '));

    heading('Run aws sts get-caller-identity && aws s3 ls   (a later step, with what was exported)');
    for (const args of [
      ['sts', 'get-caller-identity'],
      ['s3', 'ls'],
    ]) {
      const run = await job.run(world.aws(args));
      console.log(`  $ aws ${args.join(' ')}        # --endpoint-url ${world.motoUrl}`);
      console.log(indent(maskedLog(run.stdout + run.stderr, { masks: job.masks }), '    '));
      if (run.exitCode !== 0) throw new Error(`aws ${args.join(' ')} failed`);
    }

    heading(`Post Run ${ACTION}   (dist/cleanup/index.js)`);
    for (const post of await job.post()) {
      if ('skipped' in post) continue;
      console.log(indent(post.display));
      console.log(`\n  exit code ${post.exitCode}; the job's credential variables now:`);
      const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
      console.log(
        indent(names.map((name) => `${name}=${JSON.stringify(job.env[name] ?? '')}`).join('\n'), '    '),
      );
    }
  } finally {
    await world.stop();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `\nStopped moto, the ID-token endpoint and the proxy; removed the job's files. (${seconds} s)`,
    );
  }
}

/**
 * The step's inputs as GitHub's log lists them under `with:`: the workflow's, then action.yml's defaults.
 * @param {Record<string, string>} withInputs
 */
function stepInputs(withInputs) {
  const defaults = Object.entries(loadActionMetadata().inputs).flatMap(([name, input]) =>
    input.default !== undefined && !(name in withInputs) ? [[name, input.default]] : [],
  );
  return [...Object.entries(withInputs), ...defaults].map(([name, value]) => `${name}: ${value}`).join('\n');
}

demo().then(
  () =>
    console.log(
      '\nNext: the same flow from the TypeScript sources, in a local world like this one:\n' +
        '  cp .env.example .env && npm run local-action   (CONTRIBUTING.md, "Running the sources with local-action")',
    ),
  (error) => {
    console.error(`\nnpm run demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
