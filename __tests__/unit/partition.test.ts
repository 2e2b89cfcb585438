import { describe, expect, it } from '@jest/globals';
import { arnAccount, partitionOf, roleArnFor } from '../../src/partition.js';

describe('partitionOf', () => {
  it.each([
    ['us-east-1', 'aws', 'sts.amazonaws.com'],
    ['eu-west-1', 'aws', 'sts.amazonaws.com'],
    ['cn-north-1', 'aws-cn', 'sts.amazonaws.com.cn'],
    ['cn-northwest-1', 'aws-cn', 'sts.amazonaws.com.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'sts.amazonaws.com'],
    ['us-iso-east-1', 'aws-iso', 'sts.amazonaws.com'],
    ['us-isob-east-1', 'aws-iso-b', 'sts.amazonaws.com'],
  ])('%s is in %s with audience %s', (region, name, audience) => {
    expect(partitionOf(region)).toMatchObject({ name, defaultAudience: audience });
  });
});

describe('ARNs', () => {
  it('expands a bare role name in the partition and account', () => {
    expect(roleArnFor(partitionOf('cn-north-1'), '111122223333', 'deploy')).toBe(
      'arn:aws-cn:iam::111122223333:role/deploy',
    );
  });
  it('reads the account from an assumed-role ARN', () => {
    expect(arnAccount('arn:aws:sts::123456789012:assumed-role/deploy/s')).toBe('123456789012');
  });
});
