/** What changes between AWS partitions: the ARN prefix and the default OIDC audience. */
export interface Partition {
  readonly name: string;
  readonly defaultAudience: string;
}

// Region prefixes, most specific first. Anything else is the commercial partition.
const PARTITIONS: ReadonlyArray<{ prefix: string; partition: Partition }> = [
  { prefix: 'cn-', partition: { name: 'aws-cn', defaultAudience: 'sts.amazonaws.com.cn' } },
  { prefix: 'us-gov-', partition: { name: 'aws-us-gov', defaultAudience: 'sts.amazonaws.com' } },
  { prefix: 'us-isob-', partition: { name: 'aws-iso-b', defaultAudience: 'sts.amazonaws.com' } },
  { prefix: 'us-iso-', partition: { name: 'aws-iso', defaultAudience: 'sts.amazonaws.com' } },
  { prefix: 'eu-isoe-', partition: { name: 'aws-iso-e', defaultAudience: 'sts.amazonaws.com' } },
  { prefix: 'us-isof-', partition: { name: 'aws-iso-f', defaultAudience: 'sts.amazonaws.com' } },
];
const COMMERCIAL: Partition = { name: 'aws', defaultAudience: 'sts.amazonaws.com' };

/** The partition a region belongs to (`cn-north-1` → `aws-cn`). */
export function partitionOf(region: string): Partition {
  return PARTITIONS.find(({ prefix }) => region.startsWith(prefix))?.partition ?? COMMERCIAL;
}

/** The partition named in an ARN (`arn:aws-cn:iam::…` → `aws-cn`). */
export function arnPartition(arn: string): string {
  return arn.split(':')[1] ?? '';
}

/** The account id in an ARN (`arn:aws:sts::123456789012:assumed-role/…` → `123456789012`). */
export function arnAccount(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** The full role ARN for a bare role name in the given partition and account. */
export function roleArnFor(partition: Partition, accountId: string, roleName: string): string {
  return `arn:${partition.name}:iam::${accountId}:role/${roleName}`;
}
