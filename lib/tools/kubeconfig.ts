// The kubeconfig as kubectl reads it, without starting kubectl (a Go binary's start-up, at every
// script's start): the files KUBECONFIG lists, else ~/.kube/config, merged as kubectl merges them.
// Only what the preflight shows and checks is kept: the contexts, the current one, each context's
// cluster and each cluster's server.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { YAML } from '../core/zx.ts'

/** What the preflight reads of the (merged) kubeconfig, in the shape `kubectl config view -o json` gives. */
export interface KubeconfigView {
  'current-context'?: string
  contexts?: { name: string; context?: { cluster?: string } }[]
  clusters?: { name: string; cluster?: { server?: string } }[]
}

/** The merged kubeconfig of this environment; a file that is missing or not YAML adds nothing. */
export function readKubeconfig(env: NodeJS.ProcessEnv = process.env): KubeconfigView {
  const views = kubeconfigFiles(env).flatMap((file) => {
    try {
      return [YAML.parse(fs.readFileSync(file, 'utf8')) ?? {}]
    } catch {
      return []
    }
  })
  return mergeKubeconfigs(views)
}

/** KUBECONFIG's files (empty entries and repeats left out), or ~/.kube/config when it is unset or empty. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  if (!env.KUBECONFIG) return [path.join(env.HOME || os.homedir(), '.kube', 'config')]
  return [...new Set(env.KUBECONFIG.split(path.delimiter).filter(Boolean))]
}

/**
 * kubectl's merge: the first file to set the current context wins, and the first to name a context
 * or a cluster gives all of it. Listed by name, as `kubectl config view` lists them.
 */
export function mergeKubeconfigs(files: unknown[]): KubeconfigView {
  const current = files.map((f) => field(f, 'current-context')).find((c) => typeof c === 'string' && c)
  return {
    ...(current ? { 'current-context': String(current) } : {}),
    contexts: firstByName(files, 'contexts').map(({ name, entry }) => ({
      name,
      context: { cluster: stringField(field(entry, 'context'), 'cluster') },
    })),
    clusters: firstByName(files, 'clusters').map(({ name, entry }) => ({
      name,
      cluster: { server: stringField(field(entry, 'cluster'), 'server') },
    })),
  }
}

/** The named entries of a list across the files, the first of each name, sorted by name. */
function firstByName(files: unknown[], list: string): { name: string; entry: unknown }[] {
  const found = new Map<string, unknown>()
  for (const file of files) {
    const entries = field(file, list)
    if (!Array.isArray(entries)) continue
    for (const entry of entries) {
      const name = field(entry, 'name')
      if (name !== undefined && name !== null && !found.has(String(name))) found.set(String(name), entry)
    }
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, entry]) => ({ name, entry }))
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined
}

function stringField(value: unknown, key: string): string | undefined {
  const found = field(value, key)
  return typeof found === 'string' ? found : undefined
}
