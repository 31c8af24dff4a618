// Teardown, printed: the dry run of `npm run teardown` as a standalone bash script with the same
// guarantees as the run itself, checked in bash where the run checks in TypeScript: a helm release
// goes only when its chart is ours, cert-manager only when our mark says we applied it, a
// namespace only when it holds nothing else, and --purge refuses, before anything is removed,
// while the CRDs hold custom resources that are not ours. Pure: no process here.
import type { Config } from '../core/config.ts'
import { formatDuration } from '../core/settings.ts'
import { knownReleaseNames } from '../core/stack.ts'
import { MANIFEST_ANNOTATION } from '../steps/certmanager.ts'
import { MANAGED_BY_LABEL } from '../core/stack.ts'
import { deleteNamespaceCmd, namespacedResourcesCmd } from '../steps/namespaces.ts'
import { certManagerLeftovers, kubernetesOwn, ourCharts, type ObjectRef, releaseLeftovers } from '../steps/ownership.ts'
import { deleteManifestCmds, teardownOrder, unmarkCertManagerCmd, type ManifestObject } from '../steps/teardown.ts'
import { renderCommand as sh, shellWord as quote } from '../tools/exec.ts'
import { helm, uninstallCmd } from '../tools/helm.ts'
import { kubectl, type Target } from '../tools/kubectl.ts'

/** Teardown as bash: the install plan reversed, each removal only of what is ours. */
export function renderTeardownScript(
  config: Config,
  target: Target,
  manifest: ManifestObject[],
  printedBy: string,
): string {
  const timeout = formatDuration(config.timeoutMs)
  const uninstall = (name: string) => [
    '',
    `# helm release ${name}, if it is ours (chart ${ourCharts(name).join(' or ')})`,
    `if ours ${name} ${quote(ourCharts(name).join('|'))}; then`,
    `  ${sh(uninstallCmd(target, name, config.namespace, timeout))}`,
    'fi',
  ]
  const wanted = new Set(config.releases.map((r) => r.name))
  const lines = [
    '#!/usr/bin/env bash',
    `# Teardown of seed 05's stack: printed by \`${printedBy}\`. Removes only what the install put there:`,
    '# helm releases of our names and charts, cert-manager if our mark says we applied it, a namespace',
    '# only when it holds nothing else.',
    'set -euo pipefail',
    ...functions(config, target),
    ...(config.purge ? foreignResourcesGuard(config, target) : []),
    ...knownReleaseNames.filter((n) => !wanted.has(n)).flatMap(uninstall),
  ]
  for (const c of teardownOrder(config)) {
    if (c.kind === 'release') {
      lines.push(...uninstall(c.id))
      continue
    }
    const { namespace, version } = config.certManager
    lines.push(
      '',
      `# cert-manager ${version}, if these scripts applied it${config.purge ? '' : ' (its CRDs stay)'};` +
        ' its namespace only if it holds nothing else, else our mark comes off it',
      `if [ -n "$(${sh(kubectl(target, 'get', 'namespace', namespace, '--ignore-not-found', '-o', markPath()))})" ]; ` +
        'then',
      ...deleteManifestCmds(target, manifest, { withCrds: config.purge, timeout }).map((cmd) => `  ${sh(cmd)}`),
      `  if only_ours_left ${namespace} ${refs(certManagerLeftovers)}; then`,
      `    ${sh(deleteNamespaceCmd(target, namespace, timeout))}`,
      '  else',
      `    ${sh(unmarkCertManagerCmd(target, namespace))}`,
      '  fi',
      'fi',
    )
  }
  if (config.purge) lines.push(...purgeLines(config, target, timeout))
  return `${lines.join('\n')}\n`
}

/** The jsonpath of cert-manager's mark (our annotation on its namespace). */
function markPath(): string {
  return `jsonpath={.metadata.annotations.${MANIFEST_ANNOTATION.replace(/\./g, '\\.')}}`
}

function refs(objects: ObjectRef[]): string {
  return objects.map((o) => `${o.kind}/${o.name}`).join(' ')
}

/** The checks the script's steps share, as bash functions (grep reads all its input, for pipefail). */
function functions(config: Config, target: Target): string[] {
  const ns = quote(config.namespace)
  const resources = `${sh(namespacedResourcesCmd(target))} | { grep -vxE ${quote(UNLISTED)} || true; } | paste -sd, -`
  const objects =
    '{range .items[*]}{.kind}/{.metadata.name} d={.metadata.deletionTimestamp} o={.metadata.ownerReferences[*].uid}' +
    '{"\\n"}{end}'
  return [
    '',
    '# ours NAME CHARTS: helm release NAME is there, of one of the charts CHARTS (a|b)',
    `ours() { ${sh(helm(target, 'get', 'metadata'))} "$1" --namespace ${ns} -o yaml 2>/dev/null |` +
      ' grep -xE "chart: ($2)" >/dev/null; }',
    '',
    "# foreign_in NS KIND/NAME…: what namespace NS holds that is not ours, a line each: not Kubernetes' own,",
    '# not being deleted, not one of the KIND/NAMEs given; "owned" after what something owns (the garbage',
    '# collector may still take it).',
    'foreign_in() {',
    '  local ns=$1 kinds',
    '  shift',
    `  kinds="$(${resources})" || return 1`,
    `  ${sh(kubectl(target, 'get'))} "$kinds" -n "$ns" -o ${quote(`jsonpath=${objects}`)} |`,
    `    awk -v ours="${refs(kubernetesOwn)} $*" ` +
      `'BEGIN { n = split(ours, k, " "); for (i = 1; i <= n; i++) skip[k[i]] = 1 }`,
    '      $2 == "d=" && !($1 in skip) { print $1 ($3 == "o=" ? "" : " owned") }\'',
    '}',
    '',
    '# only_ours_left NS KIND/NAME…: namespace NS holds nothing foreign (foreign_in), once what something',
    '# owns had 30 s to be collected; else it says what NS holds, and fails.',
    'only_ours_left() {',
    '  local ns=$1 left deadline=$((SECONDS + 30))',
    `  left="$(foreign_in "$@")" || { echo "namespace $ns stays: what it holds could not be listed" >&2; return 1; }`,
    `  while grep ' owned$' <<<"$left" >/dev/null && ((SECONDS < deadline)); do`,
    '    sleep 2',
    '    left="$(foreign_in "$@")" || return 1',
    '  done',
    '  [ -z "$left" ] && return 0',
    `  echo "namespace $ns stays: it also holds $(cut -d' ' -f1 <<<"$left" | paste -sd, -)," \\`,
    '    "not created by these scripts" >&2',
    '  return 1',
    '}',
  ]
}

/** Events (a namespace's history) and metrics (readings of its pods) are not what it holds. */
const UNLISTED = 'events|events\\.events\\.k8s\\.io|.*\\.metrics\\.k8s\\.io'

/**
 * --purge, first of all: the CRDs of the stack (cert-manager's unless someone else's cert-manager
 * uses them) and, unless --purge-foreign-resources, a refusal while they hold custom resources
 * that are not ours: made by helm for one of our releases in our namespace, or owned by one that is.
 */
function foreignResourcesGuard(config: Config, target: Target): string[] {
  const pattern = (groups: string[]) => groups.map((g) => g.replace(/\./g, '\\.')).join('|')
  const { namespace, deployments, crdGroups } = config.certManager
  const certManagerRuns = sh(kubectl(target, 'get', 'deployment', deployments[0], '-n', namespace))
  const marked = sh(kubectl(target, 'get', 'namespace', namespace, '--ignore-not-found', '-o', markPath()))
  const lines = [
    '',
    "# --purge: the stack's CRDs go, and with them every custom resource of theirs in the cluster",
    `groups=${quote(pattern([...new Set(config.releases.flatMap((r) => r.crdGroups))]))}`,
    "# cert-manager's too, unless a cert-manager these scripts did not apply uses them",
    `if ! ${certManagerRuns} >/dev/null 2>&1 || [ -n "$(${marked})" ]; then`,
    `  groups+=${quote(`|${pattern(crdGroups)}`)}`,
    'fi',
    `crds="$(${sh(kubectl(target, 'get', 'crd', '-o', 'name'))} | { grep -E "\\.($groups)\\$" || true; } |` +
      " sed 's|.*/||' | paste -sd, -)\"",
  ]
  if (config.purgeForeignResources)
    return [...lines, '# --purge-foreign-resources: every custom resource of these CRDs goes with them, ours or not']
  const ns = quote(config.namespace)
  const fields =
    '{range .items[*]}{.metadata.uid} {.kind} {.metadata.namespace}/{.metadata.name}' +
    ' h={.metadata.annotations.meta\\.helm\\.sh/release-name}' +
    '/{.metadata.annotations.meta\\.helm\\.sh/release-namespace}' +
    ' d={.metadata.deletionTimestamp} {.metadata.ownerReferences[*].uid}{"\\n"}{end}'
  const refusal =
    '--purge would delete, with their CRDs, custom resources these scripts did not create (nothing was deleted):'
  const hint =
    'move or delete them first; or print this script again without --purge (the CRDs stay),' +
    ' or with --purge-foreign-resources to delete them too'
  return [
    ...lines,
    '# before anything is removed: refused while one of them is not ours (made by helm for one of our',
    '# releases in our namespace, or owned by one that is); a release of our name and another chart is not ours',
    "our_releases=''",
    '# (status and not ours: a release of that name with another chart; else the name is ours)',
    ...knownReleaseNames.map(
      (name) =>
        `${sh(helm(target, 'status', name, '--namespace', config.namespace))} >/dev/null 2>&1 &&` +
        ` ! ours ${name} ${quote(ourCharts(name).join('|'))} || our_releases+=' ${name}'`,
    ),
    'if [ -n "$crds" ]; then',
    `  foreign="$(${sh(kubectl(target, 'get'))} "$crds" --all-namespaces -o ${quote(`jsonpath=${fields}`)} |`,
    `    awk -v ns=${ns} -v releases="$our_releases" '`,
    ...NOT_OURS.map((line) => `      ${line}`),
    `    ')"`,
    '  if [ -n "$foreign" ]; then',
    `    printf '%s\\n' ${quote(refusal)} "$foreign" ${quote(hint)} >&2`,
    '    exit 1',
    '  fi',
    'fi',
  ]
}

/**
 * awk over `uid kind namespace/name h=release/namespace d=deletion owner-uids…`: prints the objects
 * that are not ours (helm's for one of `releases` in `ns`, being deleted, or owned only by ours).
 */
const NOT_OURS = [
  'BEGIN { n = split(releases, r, " "); for (i = 1; i <= n; i++) helm["h=" r[i] "/" ns] = 1 }',
  '{ uid[NR] = $1; what[NR] = $2 " " $3; sub(/ \\//, " ", what[NR]); owners[NR] = ""',
  '  if (($4 in helm) || $5 != "d=") ours[$1] = 1',
  '  for (i = 6; i <= NF; i++) owners[NR] = owners[NR] " " $i }',
  'END {',
  '  for (grew = 1; grew;) {',
  '    grew = 0',
  '    for (l = 1; l <= NR; l++) {',
  '      if ((uid[l] in ours) || owners[l] == "") continue',
  '      k = split(owners[l], o, " "); all = 1',
  '      for (i = 1; i <= k; i++) if (!(o[i] in ours)) all = 0',
  '      if (all) { ours[uid[l]] = 1; grew = 1 }',
  '    }',
  '  }',
  '  for (l = 1; l <= NR; l++) if (!(uid[l] in ours)) print "  " what[l]',
  '}',
]

/** --purge, last: the CRDs, then the stack's namespace if these scripts created it and it holds nothing else. */
function purgeLines(config: Config, target: Target, timeout: string): string[] {
  const ns = config.namespace
  const deleteCrds = kubectl(
    target,
    'delete',
    'customresourcedefinition',
    '--ignore-not-found',
    '--wait',
    `--timeout=${timeout}`,
  )
  const label = `jsonpath=ns:{.metadata.labels.${MANAGED_BY_LABEL.key.replace(/\./g, '\\.')}}`
  const leftovers = knownReleaseNames.flatMap((name) => releaseLeftovers[name] ?? [])
  return [
    '',
    '# --purge: the CRDs',
    `[ -z "$crds" ] || ${sh(deleteCrds)} \${crds//,/ }`,
    `# --purge: namespace ${ns}, only if these scripts created it (label ${MANAGED_BY_LABEL.key})` +
      ' and it holds nothing else',
    `mark="$(${sh(kubectl(target, 'get', 'namespace', ns, '--ignore-not-found', '-o', label))})"`,
    `if [ -n "$mark" ] && [ "$mark" != ${quote(`ns:${MANAGED_BY_LABEL.value}`)} ]; then`,
    `  echo ${quote(`namespace ${ns} stays: these scripts did not create it`)} >&2`,
    `elif [ -n "$mark" ] && only_ours_left ${quote(ns)} ${refs(leftovers)}; then`,
    `  ${sh(deleteNamespaceCmd(target, ns, timeout))}`,
    'fi',
  ]
}
