// What the role chain and profiles tests share: the session ARNs of the seeded hub and spokes, the assume calls
// a step made as those tests compare them, and the keys STS handed out in those calls.
import type { RecordedRequest } from './world/recording-proxy.js';
import type { World } from './world/world.js';

/** The session ARN STS gives a role (arn:PARTITION:iam::ACCOUNT:role/NAME) assumed with this session name. */
export function sessionArn(roleArn: string, session = 'GitHubActions'): string {
  const [, partition = 'aws', , , account = '', resource = ''] = roleArn.split(':');
  return `arn:${partition}:sts::${account}:assumed-role/${resource.split('/').at(-1) ?? ''}/${session}`;
}

/** The access key id of the credentials in an STS answer; undefined for an error. */
export function keyIdIn(answer: string): string | undefined {
  return /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer)?.[1];
}

/** The AssumeRole and AssumeRoleWithWebIdentity requests STS got so far, in order. */
export function assumeRequests(world: World): RecordedRequest[] {
  return world.sts.requests.filter(({ action }) => action.startsWith('AssumeRole'));
}

/** The one AssumeRole* request for this role (fails the test when there are more or none). */
export function requestFor(world: World, roleArn: string): RecordedRequest {
  const found = assumeRequests(world).filter(({ params }) => params.RoleArn === roleArn);
  if (found.length !== 1) throw new Error(`expected one request for ${roleArn}, STS got ${found.length}`);
  return found[0] as RecordedRequest;
}

/** One assume call, as the tests compare them: which role, signed with which key (none: unsigned), answered how. */
export interface AssumeCall {
  readonly action: string;
  readonly roleArn: string | undefined;
  readonly signedWith: string | undefined;
  readonly status: number;
}

/** The step's assume calls so far, in order. */
export function assumeCalls(world: World): AssumeCall[] {
  return assumeRequests(world).map(({ action, params, signingKeyId, status }) => ({
    action,
    roleArn: params.RoleArn,
    signedWith: signingKeyId,
    status,
  }));
}

/** The access key id STS handed out for this role in the step (the one request for it). */
export function keyIdFor(world: World, roleArn: string): string {
  const keyId = keyIdIn(requestFor(world, roleArn).response);
  if (keyId === undefined) throw new Error(`STS handed out no credentials for ${roleArn}`);
  return keyId;
}

/** A multi-line input, one value a line. */
export const lines = (...values: string[]): string => values.join('\n');

/** A regular expression source that matches this text literally. */
export const literally = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The variables that carry credentials to later steps. */
export const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
];
