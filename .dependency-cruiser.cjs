// lib/ in floors, each importing only from its own floor and those below it:
//   core (stack, settings, plan, errors, values) < ui (log, report, summary, status) < tools (exec,
//   kubectl, helm, watch) < steps (one concern each) < run (the frame and the plan's executors).
// scripts/ sit on top. Run by `npm test` (npm run deps).
const floors = ['core', 'ui', 'tools', 'steps', 'run']
const above = (i) => floors.slice(i + 1).join('|')

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    ...floors.slice(0, -1).map((floor, i) => ({
      name: `${floor}-imports-no-higher-floor`,
      comment: `lib/${floor} may import only lib/{${floors.slice(0, i + 1).join(',')}}`,
      severity: 'error',
      from: { path: `^lib/${floor}/` },
      to: { path: `^lib/(${above(i)})/` },
    })),
    {
      name: 'lib-knows-no-tests',
      comment: 'the simulator and fixtures are test code: lib/ and scripts/ never import them (but for the demo, below)',
      severity: 'error',
      from: { path: '^(lib|scripts)/', pathNot: '^scripts/demo[.]mts$' },
      to: { path: '^test/' },
    },
    {
      name: 'demo-knows-only-kube-sim',
      comment: 'scripts/demo.mts runs the flow on kube-sim: of test/ it imports the kube-sim package alone',
      severity: 'error',
      from: { path: '^scripts/demo[.]mts$' },
      to: { path: '^test/', pathNot: '^test/kube-sim/' },
    },
    {
      name: 'bench-knows-only-kube-sim',
      comment: 'the benchmark is no test: of test/ it imports the kube-sim package and its own folder',
      severity: 'error',
      from: { path: '^test/bench/' },
      to: { path: '^test/', pathNot: '^test/(bench|kube-sim)/' },
    },
    {
      name: 'kube-sim-stands-alone',
      comment: 'kube-sim (test/kube-sim) is a workspace package: it imports only itself, node: and npm packages',
      severity: 'error',
      from: { path: '^test/kube-sim/' },
      to: { pathNot: '^(test/kube-sim/|node_modules/)', dependencyTypesNot: ['core'] },
    },
    {
      name: 'kube-sim-by-name',
      comment: 'outside it, the kube-sim package is imported by its name (its package.json exports), not by a path',
      severity: 'error',
      from: { pathNot: '^test/kube-sim/' },
      to: { path: '^test/kube-sim/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'lib-imports-zx-core',
      comment:
        "lib imports zx/core, and zx's other goods from lib/core/zx.ts: an ESM import of zx's index costs " +
        'every script 12–15 ms of start-up (lib/core/zx.ts says why)',
      severity: 'error',
      from: { path: '^lib/', pathNot: '^lib/core/zx[.]ts$' },
      to: { path: 'node_modules/zx/build/index[.](c?js|d[.]ts)$' },
    },
    {
      name: 'preflight-loads-after-the-first-question',
      comment:
        "the script's frame loads the preflight once the server has been asked (lib/steps/reach.ts): a static " +
        "import would load it before, and kubectl's start would no longer overlap that loading",
      severity: 'error',
      from: { path: '^lib/run/main[.]ts$' },
      to: { path: '^lib/steps/preflight[.]ts$', dynamic: false },
    },
    {
      name: 'lib-is-in-floors',
      comment: 'every lib module sits in one floor',
      severity: 'error',
      from: { path: '^lib/[^/]+$' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.mts', '.js', '.mjs'] },
  },
}
