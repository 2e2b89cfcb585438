// The examples' READMEs against the examples: their tables of parameters, inputs and outputs (defaults
// included), and the deploy commands and module blocks they show (the root README's too).
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUDFORMATION, readModule, TERRAFORM } from './fixtures/example-stacks.js';
import { parseTemplate } from './fixtures/cloudformation.js';
import { evaluate, parseHcl, references } from './fixtures/hcl.js';
import { codeBlocks, plain, section, tableRows } from './fixtures/markdown.js';

describe("the examples' READMEs", () => {
  const cell = (row: string[] | undefined, index: number): string => plain(row?.[index] ?? '');
  const names = (rows: string[][]): string[] => rows.map((row) => cell(row, 0));

  it('CloudFormation: the Parameters and Outputs tables match the template, defaults included', () => {
    const template = parseTemplate(readFileSync(CLOUDFORMATION, 'utf8'));
    const readme = readFileSync('examples/cloudformation/README.md', 'utf8');
    const parameters = tableRows(section(readme, '## Parameters'));
    expect(names(parameters)).toEqual(Object.keys(template.Parameters ?? {}));
    for (const row of parameters) {
      const declared = template.Parameters?.[cell(row, 0)]?.Default;
      const expected = declared === undefined ? 'required' : declared === '' ? 'empty' : String(declared);
      expect({ parameter: cell(row, 0), default: cell(row, 1) }).toEqual({
        parameter: cell(row, 0),
        default: expected,
      });
    }
    expect(names(tableRows(section(readme, '## Outputs')))).toEqual(Object.keys(template.Outputs ?? {}));
  });

  it('Terraform: the Inputs and Outputs tables match the module, defaults included', () => {
    const module = readModule(TERRAFORM);
    const readme = readFileSync(join(TERRAFORM, 'README.md'), 'utf8');
    const inputs = tableRows(section(readme, '## Inputs'));
    const variables = module.filter((b) => b.type === 'variable');
    expect(names(inputs)).toEqual(variables.map((b) => b.labels[0]));
    for (const variable of variables) {
      const name = variable.labels[0]!;
      const declared = variable.attributes.default;
      const expected =
        declared === undefined ? 'required' : JSON.stringify(evaluate(declared, () => undefined));
      const row = inputs.find((r) => cell(r, 0) === name);
      expect({ variable: name, default: cell(row, 1) }).toEqual({ variable: name, default: expected });
    }
    const outputs = module.filter((b) => b.type === 'output').map((b) => b.labels[0]);
    expect(names(tableRows(section(readme, '## Outputs')))).toEqual(outputs);
  });

  it('CloudFormation: the deploy commands pass only parameters the template declares, and every required one', () => {
    const template = parseTemplate(readFileSync(CLOUDFORMATION, 'utf8'));
    const declared = Object.keys(template.Parameters ?? {});
    const required = declared.filter((name) => template.Parameters?.[name]?.Default === undefined);
    const docs = ['examples/cloudformation/README.md', 'README.md', 'docs/aws-setup.md'];
    const commands = docs.flatMap((doc) =>
      codeBlocks(readFileSync(doc, 'utf8'))
        .filter((b) => b.lang === 'sh' && b.code.includes('cloudformation deploy'))
        .map((b) => b.code.replace(/\\\n\s*/g, ' ')),
    );
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const command of commands) {
      const overrides = /--parameter-overrides((?:\s+\w+=\S+)+)/.exec(command)?.[1] ?? '';
      const given = [...overrides.matchAll(/(\w+)=/g)].map(([, name]) => name!);
      expect(given.filter((name) => !declared.includes(name))).toEqual([]);
      expect(required.filter((name) => !given.includes(name))).toEqual([]);
    }
  });

  it('Terraform: the module blocks set only declared variables, and every required one', () => {
    const module = readModule(TERRAFORM);
    const variables = module.filter((b) => b.type === 'variable');
    const declared = variables.map((b) => b.labels[0]!);
    const required = variables.filter((b) => b.attributes.default === undefined).map((b) => b.labels[0]!);
    const outputs = module.filter((b) => b.type === 'output').map((b) => b.labels[0]!);
    const meta = ['source', 'version', 'depends_on', 'providers', 'count', 'for_each'];
    const snippets = codeBlocks(readFileSync(join(TERRAFORM, 'README.md'), 'utf8')).filter(
      (b) => b.lang === 'hcl',
    );
    const blocks = snippets.flatMap((b) => parseHcl(b.code));
    const modules = blocks.filter((b) => b.type === 'module');
    expect(modules.length).toBeGreaterThan(0);
    for (const block of modules) {
      const given = Object.keys(block.attributes).filter((name) => !meta.includes(name));
      expect(given.filter((name) => !declared.includes(name))).toEqual([]);
      expect(required.filter((name) => !given.includes(name))).toEqual([]);
    }
    const used = blocks
      .flatMap((b) => Object.values(b.attributes).flatMap(references))
      .map((ref) => ref.split('.'))
      // module.NAME.OUTPUT; a bare module.NAME (depends_on) names no output.
      .filter((parts) => parts[0] === 'module' && parts.length > 2)
      .map((parts) => parts[2]!);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !outputs.includes(name))).toEqual([]);
  });
});
