import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type AssumeRoleCommandInput,
  type AssumeRoleWithWebIdentityCommandInput,
  type Credentials as StsCredentials,
  type STSClientConfig,
} from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { arnAccount } from '../partition.js';
import type { HttpProxyAgent } from 'http-proxy-agent';
import type { HttpsProxyAgent } from 'https-proxy-agent';
import { proxyFor } from './proxy.js';
import { stsEndpointUrl, type StsSettings } from './endpoint.js';
import { ActionError } from '../errors.js';
import { ClassifiedRetryStrategy, type OnRetry } from './retry.js';
import { checkAnswerField, checkExpiration } from './answer.js';
import { runUserAgent } from './user-agent.js';
import { warmAgentFor } from './warm-connection.js';

export { isAwsHost, stsEndpoint, stsEndpointUrl, type EndpointSource, type StsSettings } from './endpoint.js';

/** AWS credentials: the ones the action exports, or the source ones it signs with. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
  /** Set for temporary credentials. */
  readonly expiration: Date | undefined;
}

/** Who a set of credentials is. */
export interface Identity {
  readonly accountId: string;
  readonly arn: string;
}

/** Credentials with the identity they belong to. */
export interface Session {
  readonly credentials: AwsCredentials;
  readonly identity: Identity;
}

/** How the client signs: with these credentials, or with whatever the SDK's default chain finds in the job. */
export type Signer = AwsCredentials | 'default-chain';

/** The endpoint each client of createStsClient talks to, for messages about its answers. */
const endpoints = new WeakMap<STSClient, string>();

/** Per-attempt limits: STS answers in well under a second, so a silent connection is a fault to retry. */
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * The one STS client for this run: region, endpoint, proxy and retry settings from the inputs. Only failures
 * that can succeed later are retried (src/sts/retry.ts), at most `maxAttempts` attempts (default from the
 * inputs); `onRetry` hears of each retry.
 */
export function createStsClient(
  config: StsSettings,
  signer: Signer,
  env: NodeJS.ProcessEnv,
  { onRetry = () => undefined, maxAttempts }: { onRetry?: OnRetry; maxAttempts?: number } = {},
): STSClient {
  const endpoint = stsEndpointUrl(config, env);
  const proxy = proxyFor(endpoint, config, env);
  const attempts = maxAttempts ?? (config.disableRetry ? 1 : config.retryMaxAttempts);
  // Without a proxy, the endpoint's shared agent, which takes the connection the head start opened.
  const warmAgent = proxy === undefined ? warmAgentFor(endpoint) : undefined;
  const handlerOptions = {
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Without this the handler only logs a warning and keeps waiting on a silent connection.
    throwOnRequestTimeout: true,
    ...(warmAgent !== undefined && { httpsAgent: warmAgent }),
  };
  const options: STSClientConfig = {
    region: config.region,
    customUserAgent: runUserAgent(env).tokens,
    maxAttempts: attempts,
    retryStrategy: new ClassifiedRetryStrategy(attempts, onRetry),
    // Otherwise the SDK resolves it (AWS_ENDPOINT_URL_STS, FIPS and dual-stack settings included).
    ...(config.stsEndpoint !== undefined && { endpoint: config.stsEndpoint }),
    requestHandler: new NodeHttpHandler(
      proxy === undefined
        ? handlerOptions
        : // The proxy agents (and what they load) only when a proxy is in use; the handler awaits them.
          async () => ({ ...handlerOptions, ...(await proxyAgents(proxy)) }),
    ),
    ...(signer !== 'default-chain' && {
      credentials: {
        accessKeyId: signer.accessKeyId,
        secretAccessKey: signer.secretAccessKey,
        ...(signer.sessionToken !== undefined && { sessionToken: signer.sessionToken }),
      },
    }),
  };
  const client = new STSClient(options);
  endpoints.set(client, endpoint);
  // Inside the retry middleware, after deserialisation: an answer without what the call returns (a captive
  // portal's HTML page with HTTP 200, say) is retried like any unreadable answer.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as {
        Credentials?: { AccessKeyId?: string };
        Account?: string;
        $metadata?: object;
      };
      const complete =
        context.commandName === 'GetCallerIdentityCommand'
          ? Boolean(output.Account)
          : Boolean(output.Credentials?.AccessKeyId);
      if (!complete) {
        throw Object.assign(
          new Error(
            `STS answered ${context.commandName?.replace(/Command$/, '')} without its result (an unreadable answer)`,
          ),
          {
            name: 'IncompleteResponse',
            $metadata: output.$metadata ?? {},
          },
        );
      }
      return result;
    },
    { step: 'finalizeRequest', priority: 'low', name: 'requireCompleteAnswer' },
  );
  return client;
}

/** sts:AssumeRole; the identity comes from the response, so no second request is needed. */
export async function assumeRole(
  client: STSClient,
  input: AssumeRoleCommandInput,
  signal: AbortSignal,
): Promise<Session> {
  const out = await client.send(new AssumeRoleCommand(input), { abortSignal: signal });
  return sessionFrom(endpointOf(client), 'AssumeRole', out.Credentials, out.AssumedRoleUser?.Arn);
}

/** sts:AssumeRoleWithWebIdentity, an unsigned call carrying the token. */
export async function assumeRoleWithWebIdentity(
  client: STSClient,
  input: AssumeRoleWithWebIdentityCommandInput,
  signal: AbortSignal,
): Promise<Session> {
  const out = await client.send(new AssumeRoleWithWebIdentityCommand(input), { abortSignal: signal });
  return sessionFrom(
    endpointOf(client),
    'AssumeRoleWithWebIdentity',
    out.Credentials,
    out.AssumedRoleUser?.Arn,
  );
}

/** sts:GetCallerIdentity: who the client's credentials are, checked like every answer (src/sts/answer.ts). */
export async function getCallerIdentity(client: STSClient, signal: AbortSignal): Promise<Identity> {
  const out = await client.send(new GetCallerIdentityCommand({}), { abortSignal: signal });
  const endpoint = endpointOf(client);
  const accountId = checkAnswerField(endpoint, 'GetCallerIdentity', 'Account', out.Account);
  const arn = checkAnswerField(endpoint, 'GetCallerIdentity', 'CallerArn', out.Arn, 'Arn');
  if (arnAccount(arn) !== accountId) {
    throw new ActionError(
      `The STS endpoint ${endpoint} answered GetCallerIdentity with an Arn of another account than its Account: nothing was exported. Check that sts-endpoint, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the proxy lead to AWS STS.`,
    );
  }
  return { accountId, arn };
}

function endpointOf(client: STSClient): string {
  return endpoints.get(client) ?? 'in use';
}

/** Every field the action uses, checked before anything is masked, written, logged or saved. */
function sessionFrom(
  endpoint: string,
  call: string,
  creds: StsCredentials | undefined,
  arn: string | undefined,
): Session {
  const field = (name: 'AccessKeyId' | 'SecretAccessKey' | 'SessionToken', value: unknown) =>
    checkAnswerField(endpoint, call, name, value, `Credentials.${name}`);
  const assumedArn = checkAnswerField(endpoint, call, 'AssumedRoleArn', arn, 'AssumedRoleUser.Arn');
  return {
    credentials: {
      accessKeyId: field('AccessKeyId', creds?.AccessKeyId),
      secretAccessKey: field('SecretAccessKey', creds?.SecretAccessKey),
      sessionToken: field('SessionToken', creds?.SessionToken),
      expiration: checkExpiration(endpoint, call, creds?.Expiration),
    },
    identity: { accountId: arnAccount(assumedArn), arn: assumedArn },
  };
}

/** Agents that send the SDK's requests through the proxy (loaded on first use: most runs have no proxy). */
export async function proxyAgents(proxy: string): Promise<{
  httpAgent: HttpProxyAgent<string>;
  httpsAgent: HttpsProxyAgent<string>;
}> {
  const [{ HttpProxyAgent }, { HttpsProxyAgent }] = await Promise.all([
    import('http-proxy-agent'),
    import('https-proxy-agent'),
  ]);
  return { httpAgent: new HttpProxyAgent(proxy), httpsAgent: new HttpsProxyAgent(proxy) };
}
