// A folder of real charts and cert-manager release manifests, at the versions the caller pins, for
// a loopback chart repository (chart-repo.ts) to serve. It comes from a folder named by CHARTS_DIR,
// else from a cache the caller names, which `pullCharts` fills with `helm pull` from the public
// repositories (needs internet). The layout is one chart repository per folder,
// `<dir>/<repo>/index.yaml`, so `<loopback>/<repo>` replaces the public URL, and
// `<dir>/cert-manager/<version>/cert-manager.yaml`. Nothing here knows which charts: the pins are
// arguments (`pinsFrom` builds them from a stack description).
import fs from 'node:fs'
import path from 'node:path'
import { $ } from 'zx'

export interface PinnedChart {
  /** the repository's name: its folder, and `<loopback>/<repo>` */
  repo: string
  chart: string
  version: string
}

export interface ChartPins {
  /** every chart, each once */
  charts: PinnedChart[]
  /** where each repository is published (for `helm pull`) */
  repoUrls: Record<string, string>
  /** every cert-manager release, each once */
  certManagers: string[]
  /** where a cert-manager release's manifest is published */
  manifestUrl: (version: string) => string
}

/** A stack as its description gives it: releases per profile, repositories, cert-manager per profile. */
export interface StackPins {
  profiles: Record<string, readonly { repo: string; chart: string; version: string }[]>
  repoUrls: Record<string, string>
  certManagers: Record<string, string>
  manifestUrl: (version: string) => string
}

/** The pins of every profile of a stack, each chart and cert-manager release once. */
export function pinsFrom(stack: StackPins): ChartPins {
  const all = Object.values(stack.profiles).flatMap((releases) =>
    releases.map(({ repo, chart, version }) => ({ repo, chart, version })),
  )
  const charts = all.filter(
    (c, i) => all.findIndex((o) => o.repo === c.repo && o.chart === c.chart && o.version === c.version) === i,
  )
  return {
    charts,
    repoUrls: stack.repoUrls,
    certManagers: [...new Set(Object.values(stack.certManagers))],
    manifestUrl: stack.manifestUrl,
  }
}

export function certManagerManifest(dir: string, version: string): string {
  return path.join(dir, 'cert-manager', version, 'cert-manager.yaml')
}

/** The files a charts folder must hold, relative to it, that it does not. */
export function missingFrom(dir: string, pins: ChartPins): string[] {
  const wanted = [
    ...pins.charts.map((c) => path.join(c.repo, `${c.chart}-${c.version}.tgz`)),
    ...[...new Set(pins.charts.map((c) => c.repo))].map((repo) => path.join(repo, 'index.yaml')),
    ...pins.certManagers.map((v) => path.relative(dir, certManagerManifest(dir, v))),
  ]
  return wanted.filter((f) => !fs.existsSync(path.join(dir, f)))
}

export interface ChartsOptions {
  /** the folder `pullCharts` fills when CHARTS_DIR is not set */
  cache: string
  /** how a user gets the charts, closing the error when they are missing */
  hint?: string
  env?: NodeJS.ProcessEnv
}

const defaultHint = (cache: string) =>
  `point CHARTS_DIR at a folder holding them, or fetch them once into ${cache} ` +
  '(needs internet: helm pull + the cert-manager release)'

/**
 * The folder to serve: CHARTS_DIR when set (it must be complete), else the cache when complete.
 * Throws an error naming both ways to get the charts.
 */
export function chartsDir(pins: ChartPins, opts: ChartsOptions): string {
  const env = opts.env ?? process.env
  const hint = opts.hint ?? defaultHint(opts.cache)
  if (env.CHARTS_DIR) {
    const dir = path.resolve(env.CHARTS_DIR)
    const missing = missingFrom(dir, pins)
    if (missing.length) throw new Error(`CHARTS_DIR=${env.CHARTS_DIR} lacks ${missing.join(', ')}: ${hint}`)
    return dir
  }
  const missing = missingFrom(opts.cache, pins)
  if (missing.length)
    throw new Error(
      `the real charts are not here (${path.relative(process.cwd(), opts.cache) || opts.cache} ` +
        `lacks ${missing.length} files): ${hint}`,
    )
  return opts.cache
}

/**
 * chartsDir(), filling the cache first when neither is there (a first run on a machine with
 * internet). A failed pull ends in the same error naming both ways.
 */
export async function ensureCharts(
  pins: ChartPins,
  helm: string,
  opts: ChartsOptions & { log?: (line: string) => void },
): Promise<string> {
  const env = opts.env ?? process.env
  if (env.CHARTS_DIR || !missingFrom(opts.cache, pins).length) return chartsDir(pins, opts)
  opts.log?.(`fetching the real charts once into ${opts.cache} (helm pull, and the cert-manager release manifests)…`)
  try {
    await pullCharts(pins, helm, opts.cache)
  } catch (error) {
    throw new Error(
      `could not fetch the charts (${(error as Error).message.split('\n')[0]}): ` +
        `${opts.hint ?? defaultHint(opts.cache)}`,
    )
  }
  return chartsDir(pins, opts)
}

/** `helm pull` of every pinned chart from its public repository, indexed per repository; the manifests downloaded. */
export async function pullCharts(pins: ChartPins, helm: string, dir: string): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`
  fs.rmSync(tmp, { recursive: true, force: true })
  const home = path.join(tmp, '.helm')
  const env = { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home }
  try {
    for (const c of pins.charts) {
      const into = path.join(tmp, c.repo)
      fs.mkdirSync(into, { recursive: true })
      await $({
        env,
        quiet: true,
      })`${helm} pull ${c.chart} --repo ${pins.repoUrls[c.repo]} --version ${c.version} --destination ${into}`
    }
    for (const repo of new Set(pins.charts.map((c) => c.repo)))
      await $({ env, quiet: true })`${helm} repo index ${path.join(tmp, repo)}`
    for (const version of pins.certManagers) {
      const url = pins.manifestUrl(version)
      const response = await fetch(url)
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
      const file = certManagerManifest(tmp, version)
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, await response.text())
    }
    fs.rmSync(home, { recursive: true, force: true })
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    fs.renameSync(tmp, dir)
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}
