// Two projects: unit tests run the TypeScript sources with STS mocked; e2e tests run dist/ under Node 24
// against a real STS (moto). Both are ESM (ts-jest useESM under --experimental-vm-modules).
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // Same mapping as tsconfig `paths`: @actions/github's Context module without Octokit.
    '^@actions/github/lib/context\\.js$': '<rootDir>/node_modules/@actions/github/lib/context.js',
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
      // Each test runs several steps (a Node 24 process each, the AWS CLI for later steps).
      testTimeout: 60_000,
    },
  ],
};
