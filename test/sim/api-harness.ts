// Shared by the API tests: a simulator per suite, the real kubectl and helm of one layer, and
// isolated homes (kube cache, helm config/cache/data) in the suite's temp dir.
// uvu loads test files as CommonJS, so nothing here uses top-level await or import.meta.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { startSim, type Sim, type SimOptions } from '../kube-sim/index.ts'

export const LAYERS = ['v32', 'v35'] as const
export type Layer = (typeof LAYERS)[number]

export interface Env {
  layer: Layer
  sim: Sim
  dir: string
  env: NodeJS.ProcessEnv
}

export interface Out {
  exitCode: number | null
  stdout: string
  stderr: string
}

export async function startEnv(layer: Layer, opts: SimOptions = {}): Promise<Env> {
  const bin = path.resolve('.tools', layer, 'bin')
  assert.ok(fs.existsSync(path.join(bin, 'kubectl')), `${bin}/kubectl is missing: run \`npm run test:tools\` first`)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sim-api-${layer}-`))
  const sim = await startSim({ ...opts, dir })
  const env: NodeJS.ProcessEnv = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: dir,
    KUBECONFIG: sim.kubeconfig,
    HELM_CONFIG_HOME: path.join(dir, 'helm-config'),
    HELM_CACHE_HOME: path.join(dir, 'helm-cache'),
    HELM_DATA_HOME: path.join(dir, 'helm-data'),
  }
  return { layer, sim, dir, env }
}

export async function stopEnv(e: Env | undefined): Promise<void> {
  if (!e) return
  await e.sim.stop()
  fs.rmSync(e.dir, { recursive: true, force: true })
}

export async function kubectl(e: Env, args: string[], input?: string): Promise<Out> {
  return run(e, 'kubectl', args, input)
}

export async function helm(e: Env, args: string[]): Promise<Out> {
  return run(e, 'helm', args)
}

async function run(e: Env, tool: string, args: string[], input?: string): Promise<Out> {
  const out = await $({ env: e.env, quiet: true, nothrow: true, input, timeout: 30_000 })`${tool} ${args}`
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr }
}

/** Runs kubectl and fails the test with its stderr unless it exits 0. */
export async function ok(e: Env, args: string[], input?: string): Promise<string> {
  const out = await kubectl(e, args, input)
  assert.is(out.exitCode, 0, `kubectl ${args.join(' ')} failed: ${out.stderr}`)
  return out.stdout
}

export async function json<T = any>(e: Env, args: string[]): Promise<T> {
  return JSON.parse(await ok(e, [...args, '-o', 'json']))
}

/** A plain HTTP request to the sim, as a client without kubectl would send it. */
export async function http(e: Env, pathAndQuery: string, init: RequestInit = {}): Promise<{ status: number; contentType: string; body: any; text: string }> {
  const res = await fetch(`${e.sim.url}${pathAndQuery}`, init)
  const text = await res.text()
  let body: any
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body, text }
}

/** Resolves once `check` is truthy (polled every 20 ms), or fails after `ms` naming `what`. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 3000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const yaml = (...docs: string[]) => docs.map((d) => d.trim()).join('\n---\n') + '\n'

/** A minimal chart of the sim's own tests in `dir`: Chart.yaml, values.yaml and `files` (e.g. templates/x.yaml). */
export function writeChart(dir: string, chart: { name: string; version: string; appVersion?: string; values: string; files: Record<string, string> }): string {
  const root = path.join(dir, chart.name)
  const app = chart.appVersion ? `appVersion: "${chart.appVersion}"\n` : ''
  const files = { 'Chart.yaml': `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n${app}`, 'values.yaml': chart.values, ...chart.files }
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), text)
  }
  return root
}
