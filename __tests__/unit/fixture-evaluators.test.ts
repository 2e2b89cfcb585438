// The evaluators the examples' tests rely on (fixtures/trust-policy.ts, cloudformation.ts, hcl.ts): that they
// read policies, templates and HCL as IAM, CloudFormation and Terraform do, and fail on what they don't know.
import { describe, expect, it } from '@jest/globals';
import { instantiate, parseTemplate } from './fixtures/cloudformation.js';
import { WORLD } from './fixtures/example-stacks.js';
import { evaluate, expandBlocks, parseExpression, parseHcl } from './fixtures/hcl.js';
import { admitsWebIdentity, stringLike, type PolicyDocument } from './fixtures/trust-policy.js';

describe('the trust-policy evaluator', () => {
  it.each([
    ['repo:o/r:*', 'repo:o/r:ref:refs/heads/main', true],
    ['repo:o/r:ref:refs/heads/v?', 'repo:o/r:ref:refs/heads/v1', true],
    ['repo:o/r:ref:refs/heads/v?', 'repo:o/r:ref:refs/heads/v10', false],
    ['repo:o/r.x:*', 'repo:o/rrx:ref', false],
    ['repo:O/R:*', 'repo:o/r:ref', false],
  ])('StringLike %s on %s is %s', (pattern, value, expected) => {
    expect(stringLike(pattern, value)).toBe(expected);
  });

  it('fails on operators it does not know rather than guessing', () => {
    const policy: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: 'p' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { ForAnyValueStringLike: { k: 'v' } },
        },
      ],
    };
    expect(() => admitsWebIdentity(policy, { providerArn: 'p', context: { k: 'v' } })).toThrow(
      /not supported/,
    );
  });
});

describe('the CloudFormation evaluator', () => {
  const template = parseTemplate(`
Parameters:
  Size: { Type: String, AllowedPattern: 'small|large', Default: small }
  Zone: { Type: String, Default: a }
Rules:
  LargeNeedsAOrB:
    RuleCondition: !Equals [!Ref Size, large]
    Assertions:
      - Assert: { 'Fn::Contains': [[a, b], !Ref Zone] }
        AssertDescription: a large one needs zone a or b
      - Assert: !Or [!Equals [!Ref Zone, a], !And [!Equals [!Ref Zone, b], !Not [!Equals [!Ref Size, small]]]]
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Select [1, !Split ['-', !Sub ['\${Size}-\${Where}', { Where: !Ref Zone }]]]
`);
  const deploy = (given: Record<string, string>) => instantiate(template, given, WORLD);

  it('matches AllowedPattern against the whole value, as CloudFormation does', () => {
    expect(() => deploy({ Size: 'large' })).not.toThrow();
    expect(() => deploy({ Size: 'smallish' })).toThrow(/does not match/);
  });

  it('checks the Rules whose RuleCondition holds, and refuses with the AssertDescription', () => {
    expect(() => deploy({ Size: 'large', Zone: 'c' })).toThrow(
      /rule LargeNeedsAOrB: a large one needs zone a or b/,
    );
    expect(() => deploy({ Size: 'large', Zone: 'b' })).not.toThrow();
    expect(() => deploy({ Size: 'small', Zone: 'c' })).not.toThrow();
  });

  it('resolves Fn::Sub with a variable map, Fn::Split and Fn::Select; an index past the end fails', () => {
    expect(deploy({ Zone: 'b' }).resources.Topic?.Properties.TopicName).toBe('b');
    const past = parseTemplate(`
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: { TopicName: !Select [1, !Split ['/', 'no-slash']] }
`);
    expect(() => instantiate(past, {}, WORLD)).toThrow(/Fn::Select: no index 1/);
  });
});

describe('the HCL evaluator', () => {
  const value = (source: string) => evaluate(parseExpression(source), () => undefined);

  it.each([
    ['regex("^a+$", "aa")', 'aa'],
    ['regex("^(a)(b)?$", "a")', ['a', null]],
    ['regex("^(?<x>a)$", "a")', { x: 'a' }],
    ['can(regex("^a$", "b"))', false],
    ['replace("o@1/r@2", "/@[0-9]+/", "")', 'o/r'],
    ['replace("a.b.c", ".", "-")', 'a-b-c'],
    ['split("/", "o/r")', ['o', 'r']],
    ['concat(["a"], [], ["b", "c"])', ['a', 'b', 'c']],
    ['compact(["a", "", null, "b"])', ['a', 'b']],
    ['distinct(["a", "b", "a"])', ['a', 'b']],
    ['true ? ["a"] : []', ['a']],
  ])('%s is %j, as in Terraform', (source, expected) => {
    expect(value(source)).toEqual(expected);
  });

  it('expands dynamic blocks in source order, with their iterator in scope', () => {
    const [statement] = parseHcl(`
      statement {
        condition { test = "literal" }
        dynamic "condition" {
          for_each = ["x", "y"]
          content { test = "\${condition.key}:\${condition.value}" }
        }
        dynamic "condition" {
          for_each = { b = 2, a = 1 }
          iterator = c
          content { test = "\${c.key}=\${c.value}" }
        }
      }`);
    const tests = expandBlocks(statement!, 'condition', () => undefined).map(({ block, scope }) =>
      evaluate(block.attributes.test!, scope),
    );
    expect(tests).toEqual(['literal', '0:x', '1:y', 'a=1', 'b=2']);
  });
});
