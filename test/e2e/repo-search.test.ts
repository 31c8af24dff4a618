// The pinned versions checked as a run checks them: the real `helm search repo` given only the stack's
// repositories (repositoriesFile), over a cache that also holds a repository of the user's. It finds every
// pin, and never reads the user's index (a corrupt one: read, helm would warn of it). No cluster: search is offline.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { loadConfig, repoNames } from '../../lib/core/config.ts'
import { profileNames } from '../../lib/core/stack.ts'
import { missingPins, repositoriesFile, searchChartsCmd } from '../../lib/tools/helm.ts'
import { chartsDir } from '../fixtures/charts.ts'
import { extractLayer, layers, suiteLayers } from './harness.ts'

for (const layer of suiteLayers) {
  const test = suite(`the pins searched in the stack's repositories only, ${layer} (helm ${layers[layer].helmMajor})`)
  let helm: string
  let home: string
  test.before(async () => {
    helm = path.join(await extractLayer(layer), 'helm')
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-repo-search-'))
  })
  test.after(() => fs.rmSync(home, { recursive: true, force: true }))

  for (const profile of profileNames)
    test(`${profile}: every pin found, the user's own index not read`, async () => {
      const config = loadConfig([`--profile=${profile}`], {})
      const releases = config.releases.filter((r) => !r.repoUrl.startsWith('oci://'))
      const cache = path.join(home, profile, 'cache')
      fs.mkdirSync(cache, { recursive: true })
      for (const repo of repoNames(releases))
        fs.copyFileSync(path.join(chartsDir(), repo, 'index.yaml'), path.join(cache, `${repo}-index.yaml`))
      // the user's repository: listed in their repositories file, its cached index not YAML
      fs.writeFileSync(path.join(cache, 'mine-index.yaml'), 'entries: [')
      const ours = Object.fromEntries(repoNames(releases).map((n) => [n, config.repos[n]]))
      const file = path.join(home, profile, 'repositories.yaml')
      fs.writeFileSync(file, repositoriesFile(ours))
      const users = path.join(home, profile, 'users-repositories.yaml')
      fs.writeFileSync(users, repositoriesFile({ ...ours, mine: 'https://charts.example.com' }))

      const search = async (config: string) => {
        const [, ...argv] = searchChartsCmd(releases, config).argv
        return $`${helm} ${argv} --repository-cache ${cache}`.quiet()
      }
      const out = await search(file)
      assert.equal(missingPins(releases, out.stdout), [])
      assert.not.match(out.stderr, /mine/)
      // the check can fail: given every repository, helm reads the user's index and says so
      assert.match((await search(users)).stderr, /mine/)
    })

  test.run()
}
