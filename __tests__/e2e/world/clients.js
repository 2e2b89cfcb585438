// The three clients later steps of a job use the exported credentials with: the AWS CLI, boto3 and the AWS SDK
// for JavaScript v3. Each asks "who am I" (sts get-caller-identity) as a `run:` step, finding credentials and
// region on its own from the job's environment and the shared files, as it would on a runner: nothing is given
// to it but moto's URL (AWS_ENDPOINT_URL, which all three honour) in the step's `env:`, so the job's environment
// stays what the action left.
import { createRequire } from 'node:module';
import { NODE24 } from './tools.js';

/** @typedef {'aws-cli' | 'boto3' | 'js-sdk'} ClientName */

/**
 * @typedef {object} WhoAmI
 * @property {ClientName} client
 * @property {boolean} ok  the call succeeded
 * @property {string | undefined} arn  the caller's ARN, when ok
 * @property {string | undefined} error  the first line of the client's error, when not ok
 */

/** @type {readonly ClientName[]} */
export const CLIENTS = Object.freeze(['aws-cli', 'boto3', 'js-sdk']);

/** The client-sts the action itself depends on (its CommonJS entry), for the JS SDK step to import. */
const STS_CLIENT_MODULE = createRequire(import.meta.url).resolve('@aws-sdk/client-sts');

// boto3 and the JS SDK print one JSON line, {"Arn"} or {"error"}, on stdout: their stderr may hold warnings
// before the error (the JS SDK warns there when AWS_PROFILE and key variables are both set).

// boto3's own chain: Session() reads AWS_PROFILE, Session(profile_name=…) is `profile=` in code. The error is
// the exception's class and message, what a traceback's last line shows.
const BOTO3 = `
import json, sys
try:
    import boto3
    profile = sys.argv[1] if len(sys.argv) > 1 else None
    session = boto3.Session(profile_name=profile) if profile is not None else boto3.Session()
    print(json.dumps({"Arn": session.client("sts").get_caller_identity()["Arn"]}))
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
    sys.exit(1)
`;

// The default credential chain: `new STSClient({})`, or `{ profile }` as code names one; error.name is the
// provider's error class (CredentialsProviderError, …).
const JS_SDK = `
const [entry, profile] = process.argv.slice(1);
try {
  const { STSClient, GetCallerIdentityCommand } = await import(entry);
  const client = new STSClient(profile === undefined ? {} : { profile });
  const { Arn } = await client.send(new GetCallerIdentityCommand({}));
  console.log(JSON.stringify({ Arn }));
} catch (error) {
  console.log(JSON.stringify({ error: error instanceof Error ? \`\${error.name}: \${error.message}\` : String(error) }));
  process.exit(1);
}
`;

/**
 * The command line of a "who am I" step with this client.
 * @param {ClientName} client
 * @param {string | undefined} profile
 * @returns {string[]}
 */
function commandLine(client, profile) {
  switch (client) {
    case 'aws-cli':
      return [
        'aws',
        ...(profile === undefined ? [] : ['--profile', profile]),
        ...['sts', 'get-caller-identity', '--output', 'json'],
      ];
    case 'boto3':
      return ['python3', '-c', BOTO3, ...(profile === undefined ? [] : [profile])];
    case 'js-sdk':
      return [
        NODE24,
        '--input-type=module',
        '-e',
        JS_SDK,
        STS_CLIENT_MODULE,
        ...(profile === undefined ? [] : [profile]),
      ];
  }
}

/**
 * A later `run:` step that asks STS (moto) who it is with one client.
 * @param {import('./runner.js').Job} job
 * @param {string} motoUrl
 * @param {ClientName} client
 * @param {{ profile?: string }} [options]  `aws --profile`, `boto3.Session(profile_name=)`, `new STSClient({ profile })`
 * @returns {Promise<WhoAmI>}
 */
export async function whoAmI(job, motoUrl, client, { profile } = {}) {
  const step = await job.run(commandLine(client, profile), { env: { AWS_ENDPOINT_URL: motoUrl } });
  const printed = printedJson(step.stdout);
  if (step.exitCode === 0 && typeof printed?.Arn === 'string') {
    return { client, ok: true, arn: printed.Arn, error: undefined };
  }
  // The CLI prints its error on stderr, after an empty line; a crash of the others does too.
  const message =
    typeof printed?.error === 'string'
      ? printed.error
      : (step.stderr.split('\n').find((line) => line.trim() !== '') ?? `exit code ${step.exitCode}`);
  return { client, ok: false, arn: undefined, error: message.split('\n')[0]?.trim() };
}

/**
 * "Who am I" with each client, in the order of CLIENTS. The three steps run at once: none writes GITHUB_ENV or
 * a file the others read, so each sees the job as the action left it, as one after the other would.
 * @param {import('./runner.js').Job} job
 * @param {string} motoUrl
 * @param {{ profile?: string }} [options]
 * @returns {Promise<WhoAmI[]>}
 */
export function whoAmIEach(job, motoUrl, options = {}) {
  return Promise.all(CLIENTS.map((client) => whoAmI(job, motoUrl, client, options)));
}

/**
 * What the step printed as a JSON object: all of stdout (the CLI's answer), else its last line.
 * @param {string} stdout
 * @returns {Record<string, unknown> | undefined}
 */
function printedJson(stdout) {
  for (const text of [stdout, stdout.trimEnd().split('\n').at(-1) ?? '']) {
    try {
      const parsed = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) return parsed;
    } catch {
      // not JSON
    }
  }
  return undefined;
}
