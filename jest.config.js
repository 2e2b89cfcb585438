// Two projects: unit tests run the TypeScript sources with STS mocked; e2e tests run dist/ under Node 24
// against a real STS (moto). Both are ESM (ts-jest useESM under --experimental-vm-modules).
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Same mappings as tsconfig `paths`: single modules of @actions/github and @actions/core, without what
    // their main entries also load (Octokit; the OIDC HTTP client and undici).
    '^@actions/github/lib/context\\.js$': '<rootDir>/node_modules/@actions/github/lib/context.js',
    '^@actions/core/lib/(.*)$': '<rootDir>/node_modules/@actions/core/lib/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/__tests__/e2e/world/global-setup.js',
    },
  ],
  // A global option (jest ignores it inside a project): e2e tests run several steps each, a Node 24
  // process or an AWS CLI call per step. Files that need longer set jest.setTimeout themselves.
  testTimeout: 60_000,
};
