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
      comment: 'the simulator and fixtures are test code: lib/ and scripts/ never import them',
      severity: 'error',
      from: { path: '^(lib|scripts)/' },
      to: { path: '^test/' },
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
