// The plan, printed: a dry run writes it as a standalone bash script, the commands a person would
// type for each step, with the seed's headings as comments. Run on a cluster it reaches the state
// `npm run all` reaches; run again, it changes nothing that is in place. Pure: no process here.
import path from 'node:path'
import type { Config } from '../core/config.ts'
import { releaseNamed, repoNames } from '../core/config.ts'
import { sequence, type Action, type Step } from '../core/plan.ts'
import { credentialsOf, withCredentialsFrom } from '../core/redact.ts'
import { flavourTitles } from '../core/flavours.ts'
import { formatDuration } from '../core/settings.ts'
import { sections, type StepId } from '../core/stack.ts'
import { applyCertManagerCmds, WEBHOOK_CONFIGURATIONS, type Webhook, webhookOf } from '../steps/certmanager.ts'
import { dataPathCommands } from '../steps/datapath.ts'
import { createOwnNamespaceCmd } from '../steps/namespaces.ts'
import { expectedWorkloads } from '../steps/release.ts'
import { waitCommands } from '../steps/wait.ts'
import { crdsBeforeUpgradeLines } from '../tools/crds.ts'
import { renderCommand, shellWord as quote, type Command } from '../tools/exec.ts'
import { repoAddCmd, repoUpdateCmd, uninstallCmd, upgradeInstallCmd } from '../tools/helm.ts'
import { kubectl, type Target } from '../tools/kubectl.ts'
import type { Text } from '../core/text.ts'

export interface ScriptOptions {
  /** the command that printed it, named in the header */
  printedBy: string
  /** values files are written relative to this folder (where the script is run from) */
  cwd: string
  /** the script first changes to its own folder (an exported script, its values files beside it) */
  fromOwnFolder?: boolean
}

/** The steps as one bash script, in the plan's order. */
export function renderScript(config: Config, target: Target, steps: Step[], opts: ScriptOptions): string {
  const lines = [
    '#!/usr/bin/env bash',
    `# Seed 05 (monitoring infrastructure) as commands: printed by \`${opts.printedBy}\`.`,
    `# Profile ${config.profile}, namespace ${config.namespace},` +
      ` kube context ${config.context ?? '(the current one)'}.`,
    '# Safe to run again: each command leaves what is in place as it is.',
    ...flavourNote(config),
    'set -euo pipefail',
    ...[...credentialVariables(config).values()].map(
      ({ variable, host }) =>
        `: "\${${variable}:?set ${variable}=user:password for ${host}: the credentials are not written here}"`,
    ),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${…}, written for bash
    ...(opts.fromOwnFolder ? ['cd "$(dirname "${BASH_SOURCE[0]}")"  # the values files are beside this script'] : []),
  ]
  for (const step of sequence(steps)) {
    lines.push('', `# ${step.title.en}${sectionNote(step)}`)
    for (const action of step.actions) lines.push(...actionLines(config, target, action, opts.cwd))
  }
  return `${lines.join('\n')}\n`
}

/** Which flavour's adaptations the script carries (values/flavours/), or how to have them. */
function flavourNote(config: Config): string[] {
  if (!config.adapt) return ['# No adaptations to the cluster (--no-adapt).']
  if (!config.flavourUsed)
    return ["# For the cluster's flavour, a run adds overlays from values/flavours/: --flavour=kind (…) prints them."]
  const files = config.adaptations.map((a) => `values/${a.file}`).join(', ')
  return [`# Cluster flavour ${config.flavourUsed}: ${files ? `adapted with ${files}` : 'nothing to adapt'}.`]
}

function sectionNote(step: Step): string {
  return step.section === 'repos' ? '' : ` — ${sections[step.section].heading}, ${sections[step.section].script}`
}

/**
 * The variable each distinct `user:password` of the configured URLs is read from, with the host it
 * is for: the printed script names them and never spells the credentials out.
 */
function credentialVariables(config: Config): Map<string, { variable: string; host: string }> {
  const variables = new Map<string, { variable: string; host: string }>()
  for (const url of [...Object.values(config.repos), config.certManager.manifest]) {
    const credentials = credentialsOf(url)
    if (!credentials || variables.has(credentials)) continue
    const variable = variables.size ? `STACK_URL_CREDENTIALS_${variables.size + 1}` : 'STACK_URL_CREDENTIALS'
    variables.set(credentials, { variable, host: new URL(url).host })
  }
  return variables
}

/** A command as bash, each URL with credentials in double quotes, reading them from its variable. */
function commandLine(config: Config, cmd: Command): string {
  const variables = credentialVariables(config)
  return cmd.argv.reduce((line, arg) => {
    const found = variables.get(credentialsOf(arg) ?? '')
    if (!found) return line
    const word = `"${withCredentialsFrom(arg, found.variable).replace(/(["`\\])/g, '\\$1')}"`
    return line.split(quote(arg)).join(word)
  }, renderCommand(cmd))
}

/** What one action is in bash. */
export function actionLines(config: Config, target: Target, action: Action, cwd: string): string[] {
  const timeout = formatDuration(config.timeoutMs)
  const sh = (cmd: Command) => commandLine(config, cmd)
  switch (action.do) {
    case 'check-app-namespace': {
      const ns = config.appNamespace
      const message = `namespace ${ns} not found: the workshop app is not deployed yet (section 04)`
      const fail = config.requireApp
        ? `{ echo ${quote(message)} >&2; exit 1; }`
        : `echo ${quote(`warning: ${message}`)} >&2`
      return [`${sh(kubectl(target, 'get', 'namespace', ns))} >/dev/null 2>&1 || ${fail}`]
    }
    case 'create-namespace':
      return [
        `${sh(kubectl(target, 'get', 'namespace', action.namespace))} >/dev/null 2>&1 || ` +
          sh(createOwnNamespaceCmd(target, action.namespace)),
      ]
    case 'require-namespace':
      return [
        `${sh(kubectl(target, 'get', 'namespace', action.namespace))} >/dev/null || ` +
          `{ echo ${quote(`namespace ${action.namespace} does not exist: ${runFirst('namespace')}`)} >&2; exit 1; }`,
      ]
    case 'add-repos': {
      const repos = repoNames(action.releases.map((n) => releaseNamed(config, n)))
      if (!repos.length) return []
      return [...repos.map((r) => sh(repoAddCmd(r, config.repos[r]))), sh(repoUpdateCmd(repos))]
    }
    case 'remove-releases':
      return [
        '# releases of another --profile go first: two log stacks never run side by side',
        ...action.releases.map(
          (name) => `${sh(uninstallCmd(target, name, config.namespace, timeout))} --ignore-not-found`,
        ),
      ]
    case 'install':
      return [
        ...config.adaptations
          .filter((a) => a.release === action.release)
          .map((a) => `# adapted for ${flavourTitles[config.flavourUsed!]}: values/${a.file} — ${a.why.en}`),
        ...crdsBeforeUpgradeLines(target, releaseNamed(config, action.release), sh),
        sh(upgradeInstallCmd(target, releaseNamed(config, action.release), { timeout, cwd })),
      ]
    case 'wait-release':
      return waitCommands(target, expectedWorkloads(releaseNamed(config, action.release)), config.timeoutMs).map(sh)
    case 'apply-cert-manager':
      return applyCertManagerCmds(config, target).map(sh)
    case 'wait-cert-manager': {
      const { namespace, deployments } = config.certManager
      const refs = deployments.map((name) => ({ kind: 'Deployment' as const, name, namespace }))
      return waitCommands(target, refs, config.timeoutMs).map(sh)
    }
    case 'webhook': {
      const webhook = webhookOf(action.webhook, config, target)
      return [...untilAnswers(webhook, config.timeoutMs), ...ownWebhook(webhook, target)]
    }
    case 'require-cert-manager':
      return [
        `${sh(kubectl(target, 'get', 'crd', 'issuers.cert-manager.io'))} >/dev/null || ` +
          `{ echo ${quote(`cert-manager is not installed: ${runFirst('cert-manager')}`)} >&2; exit 1; }`,
        ...untilAnswers(webhookOf('cert-manager', config, target), Math.min(config.timeoutMs, 60_000)),
      ]
    case 'report':
      return [
        `# the checkpoint report: npx zx ${sections.verify.script}`,
        sh(kubectl(target, 'get', 'pods', '-n', config.namespace)),
        sh(kubectl(target, 'get', 'pods', '-n', config.certManager.namespace)),
        ...(config.skipDataChecks ? [] : dataPathLines(config, target)),
      ]
  }
}

/** The data-path checks as bash; section 06's objects are tried once the app's namespace exists. */
function dataPathLines(config: Config, target: Target): string[] {
  const { comment, reads, dryRun } = dataPathCommands(config, target)
  const appNamespace = commandLine(config, kubectl(target, 'get', 'namespace', config.appNamespace))
  return [
    ...comment,
    ...reads.map((cmd) => commandLine(config, cmd)),
    `if ${appNamespace} >/dev/null 2>&1; then`,
    `  ${commandLine(config, dryRun)}`,
    'fi',
  ]
}

/** The webhook that answered is this stack's: a configuration points at its Service (grep reads all, for pipefail). */
function ownWebhook(webhook: Webhook, target: Target): string[] {
  const ours = `${webhook.service.namespace}/${webhook.service.name}`
  const services =
    '{range .items[*].webhooks[*]}{.clientConfig.service.namespace}/{.clientConfig.service.name}{"\\n"}{end}'
  const list = renderCommand(kubectl(target, 'get', WEBHOOK_CONFIGURATIONS, '-o', `jsonpath=${services}`))
  const message = `no webhook configuration points at service ${ours}: the answer came from another stack`
  return [`${list} | grep -x ${quote(ours)} >/dev/null || { echo ${quote(message)} >&2; exit 1; }`]
}

/** Which step to run first, as a script or as its exported bash file. */
function runFirst(section: StepId): string {
  const name = path.basename(sections[section].script, '.mts')
  return `run ${name} first (npx zx ${sections[section].script}, or bash ${name}.sh)`
}

/** A webhook probe retried every 5 s until it answers, or an error at the deadline. */
function untilAnswers(webhook: { title: Text; probe: Command }, timeoutMs: number): string[] {
  const seconds = Math.ceil(timeoutMs / 1000)
  // the script says it in English, whatever the locale that printed it
  const title = webhook.title.en
  const gaveUp = quote(`gave up after ${formatDuration(timeoutMs)} waiting for the ${title}`)
  return [
    `# wait ≤ ${formatDuration(timeoutMs)} for the ${title} (a server-side dry run it must admit)`,
    `deadline=$((SECONDS + ${seconds}))`,
    `until ${silenced(webhook.probe)}`,
    'do',
    `  (( SECONDS < deadline )) || { echo ${gaveUp} >&2; exit 1; }`,
    '  sleep 5',
    'done',
  ]
}

/** The command with its output dropped (a here-document, if any, still follows it). */
function silenced(cmd: Command): string {
  const [line, ...heredoc] = renderCommand(cmd).split('\n')
  const redirect = line.lastIndexOf(' <<')
  const quiet =
    redirect < 0 ? `${line} >/dev/null 2>&1` : `${line.slice(0, redirect)} >/dev/null 2>&1${line.slice(redirect)}`
  return [quiet, ...heredoc].join('\n')
}
