// The layering of DESIGN.md as rules that fail `make test` (npm run check:deps):
// providers read, controls decide, the controller gathers, evaluates and publishes.
// Paths are relative to the repository root; every rule is an error.

const SRC = '^operator/src/';


module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module must not import itself through others: cycles hide the direction of a dependency.',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment: 'Folders form a hierarchy too: no folder reaches back into a folder that imports it.',
      scope: 'folder',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'api-and-inventory-are-leaves',
      severity: 'error',
      comment: 'api/ (CRD types, the duration format) and inventory/ (provider-neutral plain data: inventory, change records, declared state, exit-drill facts) import nothing else of the operator.',
      from: { path: `${SRC}(api|inventory)/` },
      to: { path: SRC, pathNot: `${SRC}(api|inventory)/` },
    },
    {
      name: 'controls-only-decide',
      severity: 'error',
      comment: 'Controls are pure functions over plain data (api/, inventory/) and their own helpers: never providers, controller, kube, IaC readers or the drill runner.',
      from: { path: `${SRC}controls/` },
      to: { path: SRC, pathNot: `${SRC}(api|inventory|controls)/` },
    },
    {
      name: 'controls-do-no-io',
      severity: 'error',
      comment: 'Controls import no packages and no Node built-ins (no network, no files, no clock of their own).',
      from: { path: `${SRC}controls/` },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] },
    },
    {
      name: 'providers-only-read',
      severity: 'error',
      comment: 'Providers read a cloud account into the inventory; they never import controls, the controller or the kube client.',
      from: { path: `${SRC}providers/` },
      to: { path: `${SRC}(controls|controller|kube|report|iac|exitdrill)/` },
    },
    {
      name: 'evidence-stands-alone',
      severity: 'error',
      comment: 'evidence/ (hash-chained records, their verification, the Object Lock store) builds on plain types and the evaluation only: never providers, the controller, kube, IaC readers, the drill runner or the report.',
      from: { path: `${SRC}evidence/` },
      to: { path: SRC, pathNot: `${SRC}(api|inventory|controls|evidence)/` },
    },
    {
      name: 'kube-is-a-client',
      severity: 'error',
      comment: 'kube/ wraps the Kubernetes API: it knows the CRD types and the logger, not controls, providers or the controller.',
      from: { path: `${SRC}kube/` },
      to: { path: `${SRC}(controls|controller|providers|report|iac|exitdrill|inventory)/` },
    },
    {
      name: 'nothing-reaches-the-controller',
      severity: 'error',
      comment: 'The controller is the shell: only the process entry points (main, cli, server) import it.',
      from: { path: SRC, pathNot: [`${SRC}controller/`, `${SRC}(main|cli|server)\\.ts$`] },
      to: { path: `${SRC}controller/` },
    },
    {
      name: 'discover-writes-skeletons',
      comment: 'discover/ (`cloudposture discover`) reads CloudOrganizations and writes YAML skeletons: it knows the CRD types only, never controls, providers, the controller or the report.',
      severity: 'error',
      from: { path: `${SRC}discover/` },
      to: { path: SRC, pathNot: `${SRC}(api|discover)/` },
    },
    {
      name: 'only-the-cli-runs-discover',
      severity: 'error',
      comment: 'discover/ is a command: only cli.ts imports it.',
      from: { path: SRC, pathNot: [`${SRC}discover/`, `${SRC}cli\\.ts$`] },
      to: { path: `${SRC}discover/` },
    },
    {
      name: 'main-never-reaches-pulumi-or-tsx',
      severity: 'error',
      comment:
        'The operator process (main.ts and everything it imports, type-only and dynamic imports included) never reaches the Pulumi SDKs or tsx: those serve only the CLI (iac-check), and the runtime image does not carry them.',
      from: { path: `${SRC}main\\.ts$` },
      // tsx's subpath exports do not resolve here: the bare specifier is matched as well.
      to: { path: '^(node_modules/)?(@pulumi/|tsx(/|$))', reachable: true },
    },
    {
      name: 'no-test-code-in-the-operator',
      severity: 'error',
      from: { path: SRC },
      to: { path: '^test/' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // node_modules is not excluded (only not followed): the rules above see which packages are imported.
    exclude: { path: ['\\.d\\.ts$'] },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
