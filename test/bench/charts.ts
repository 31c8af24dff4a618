// The charts the benchmark serves: the real charts folder, but with each repository's index.yaml as
// big as the public one, so that `helm repo update` and `helm search repo` (which load the whole
// index) cost here what they cost a user. /work/shared/charts/upstream-index holds the real public
// index.yaml of grafana, grafana-community and open-telemetry; our pinned entries (from the small
// index beside the .tgz files) are spliced in, replacing the same versions, with their relative
// URLs, so helm fetches the .tgz from the loopback server. The splice is text, not a YAML parse:
// both files are `helm repo index` output (chart keys at 2 spaces, `  - ` items, `    version:`),
// and parsing 7 MB of YAML with the yaml package would take seconds on every run.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startChartRepo } from 'kube-sim/chart-repo'
import type { LayerName } from 'kube-sim/tools'
import { chartsDir, toolBin, type Suite } from './world.ts'

/** Repositories whose public index is in `<charts>/upstream-index/<repo>.yaml`. */
const upstreamRepos = ['grafana', 'grafana-community', 'open-telemetry'] as const

export interface BenchSuite extends Suite {
  /** one line per repository: which index it serves and how big */
  indexes: string[]
}

/**
 * The tools and the chart repository (world.ts), the repository serving the upstream-size indexes: a temp
 * copy of the charts folder (symlinks, but for the merged index.yaml files), removed on stop().
 */
export async function startBenchSuite(layer: LayerName): Promise<BenchSuite> {
  const bin = await toolBin(layer)
  const { dir, indexes } = upstreamSizedCharts(chartsDir())
  const repo = await startChartRepo({ dir })
  return {
    layer,
    bin,
    repo,
    charts: dir,
    indexes,
    stop: async () => {
      await repo.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Builds the temp folder: every entry of `charts` linked, the upstream repositories' index.yaml merged. */
export function upstreamSizedCharts(charts: string): { dir: string; indexes: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-charts-'))
  const indexes: string[] = []
  for (const entry of fs.readdirSync(charts, { withFileTypes: true })) {
    const from = path.join(charts, entry.name)
    const upstream = path.join(charts, 'upstream-index', `${entry.name}.yaml`)
    const known = (upstreamRepos as readonly string[]).includes(entry.name)
    const merge = entry.isDirectory() && known && fs.existsSync(upstream)
    if (!merge) {
      fs.symlinkSync(from, path.join(dir, entry.name))
      if (fs.existsSync(path.join(from, 'index.yaml'))) {
        indexes.push(`${entry.name}: our small index (${kb(path.join(from, 'index.yaml'))}), no upstream index at hand`)
      }
      continue
    }
    fs.mkdirSync(path.join(dir, entry.name))
    for (const file of fs.readdirSync(from).filter((f) => f !== 'index.yaml')) {
      fs.symlinkSync(path.join(from, file), path.join(dir, entry.name, file))
    }
    const merged = mergeIndex(fs.readFileSync(upstream, 'utf8'), fs.readFileSync(path.join(from, 'index.yaml'), 'utf8'))
    fs.writeFileSync(path.join(dir, entry.name, 'index.yaml'), merged.text)
    indexes.push(
      `${entry.name}: upstream index (${kb(path.join(dir, entry.name, 'index.yaml'))}), ` +
        `${merged.replaced} pinned entries replaced, ${merged.added} added`,
    )
  }
  return { dir, indexes }
}

function kb(file: string): string {
  const bytes = fs.statSync(file).size
  return bytes > 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} KB`
}

interface ParsedIndex {
  /** the lines up to and with `entries:` */
  head: string[]
  /** chart name → its items, each the lines of one `  - ` entry */
  charts: Map<string, string[][]>
  /** the lines after the entries (`generated:`, …) */
  tail: string[]
}

/**
 * The upstream index with every entry of `ours` in it: an upstream entry of the same chart and
 * version is dropped (its URL is absolute, to the public release), ours comes first.
 */
export function mergeIndex(upstream: string, ours: string): { text: string; replaced: number; added: number } {
  const up = parseIndex(upstream)
  let replaced = 0
  let added = 0
  for (const [chart, items] of parseIndex(ours).charts) {
    const versions = new Set(items.map(versionOf))
    const kept = (up.charts.get(chart) ?? []).filter((item) => !versions.has(versionOf(item)))
    const before = up.charts.get(chart)?.length ?? 0
    replaced += before - kept.length
    added += items.length - (before - kept.length)
    up.charts.set(chart, [...items, ...kept])
  }
  const entries = [...up.charts].flatMap(([chart, items]) => [`  ${chart}:`, ...items.flat()])
  return { text: [...up.head, ...entries, ...up.tail].join('\n'), replaced, added }
}

function parseIndex(text: string): ParsedIndex {
  const lines = text.split('\n')
  const start = lines.indexOf('entries:')
  if (start < 0) throw new Error('index.yaml without `entries:`')
  const charts = new Map<string, string[][]>()
  let i = start + 1
  let items: string[][] | undefined
  for (; i < lines.length; i++) {
    const line = lines[i]
    // a top-level key (`generated:`) ends the entries; a blank line belongs to the item before it
    if (/^\S/.test(line)) break
    const chart = /^ {2}([^\s-][^:]*):\s*$/.exec(line)
    if (chart) charts.set(chart[1], (items = []))
    else if (line.startsWith('  - ')) items?.push([line])
    else if (items?.length) items[items.length - 1].push(line)
    else if (line.trim()) throw new Error(`index.yaml: unexpected line ${i + 1} in entries: ${line.slice(0, 60)}`)
  }
  return { head: lines.slice(0, start + 1), charts, tail: lines.slice(i) }
}

/** The entry's own `version:` (4 spaces; a dependency's is deeper), unquoted. */
function versionOf(item: string[]): string {
  for (const line of item) {
    const m = /^ {4}version: *["']?([^"'\s]+)/.exec(line) ?? /^ {2}- version: *["']?([^"'\s]+)/.exec(line)
    if (m) return m[1]
  }
  throw new Error(`index entry without a version: ${item[0]}`)
}
