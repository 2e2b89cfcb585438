/** What changes between AWS partitions: the ARN prefix, the default OIDC audience and the STS host suffix. */
export interface Partition {
  readonly name: string;
  readonly defaultAudience: string;
  readonly dnsSuffix: string;
}

const partition = (name: string, dnsSuffix: string, defaultAudience = 'sts.amazonaws.com'): Partition => ({
  name,
  defaultAudience,
  dnsSuffix,
});

// Region prefixes, most specific first. Anything else is the commercial partition.
const PARTITIONS: ReadonlyArray<{ prefix: string; partition: Partition }> = [
  { prefix: 'cn-', partition: partition('aws-cn', 'amazonaws.com.cn', 'sts.amazonaws.com.cn') },
  { prefix: 'us-gov-', partition: partition('aws-us-gov', 'amazonaws.com') },
  { prefix: 'us-isob-', partition: partition('aws-iso-b', 'sc2s.sgov.gov') },
  { prefix: 'us-isof-', partition: partition('aws-iso-f', 'csp.hci.ic.gov') },
  { prefix: 'us-iso-', partition: partition('aws-iso', 'c2s.ic.gov') },
  { prefix: 'eu-isoe-', partition: partition('aws-iso-e', 'cloud.adc-e.uk') },
  { prefix: 'eusc-', partition: partition('aws-eusc', 'amazonaws.eu') },
];
const COMMERCIAL = partition('aws', 'amazonaws.com');

/** A region code as AWS writes them: us-east-1, cn-north-1, us-gov-west-1, ap-southeast-10. */
export const REGION_CODE = /^[a-z]{2,4}(-[a-z]+)?-[a-z]+-\d{1,2}$/;

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
