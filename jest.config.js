// Jest in native ESM mode (`@kubernetes/client-node` 1.x is ESM-only): run through
// `npm test`, which starts node with --experimental-vm-modules.
//   unit:        pure tests, nothing started.
//   integration: one real control plane (etcd + kube-apiserver, see test/harness/)
//                for the whole run, started by globalSetup; each test uses its own
//                namespace. Its kubeconfig path is in CLOUDPOSTURE_TEST_KUBECONFIG.

/** ts-jest, ESM output, transpile only (tsconfig has isolatedModules: true); `npm run typecheck` checks types. */
const tsTransform = {
  '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
};

/** Shared by both projects. */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // Sources import siblings as './x.js' (NodeNext); map to the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: tsTransform,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.cache/'],
};

/** @type {import('jest').Config} */
export default {
  // Jest 30's test runner (jest-circus) only honours the top-level testTimeout, not a
  // project's, so the integration budget (API server round trips, restarts) is set
  // here for both projects; the per-project value below documents the intent.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/operator/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // Builds the binaries if needed (minutes, once) and starts the control plane
      // before any test file runs, so no test pays for the build.
      globalSetup: '<rootDir>/test/harness/jest-global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/jest-global-teardown.ts',
      testTimeout: 120_000,
      slowTestThreshold: 30,
    },
  ],
};
