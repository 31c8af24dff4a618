import { stripVTControlCharacters } from 'node:util'
import { Chalk } from 'chalk'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { renderStatus, STATUS_VERSION, statusJson, type StatusView } from '../../lib/ui/status.ts'
import { statusView } from '../../lib/steps/status.ts'
import { adaptations, stackNeeds } from '../../lib/core/flavours.ts'
import {
  aConfig,
  aDeployment,
  aReleaseState,
  aSnapshot,
  aStatefulSet,
  noColor,
  type SnapshotOptions,
} from './builders.ts'

const view = (o: SnapshotOptions = {}) => statusView(o.config ?? aConfig(), aSnapshot(o))

// statusView

const statusViewTest = suite('statusView')

statusViewTest('works: each release with its chart, version, state and revision; every workload; both webhooks', () => {
  const v = view({ releases: [aReleaseState({ name: 'tempo', chart: 'tempo', version: '1.24.4', revision: 4 })] })
  assert.is(v.version, STATUS_VERSION)
  assert.equal(
    v.releases.map((r) => r.name),
    ['kube-prometheus-stack', 'loki', 'tempo', 'opentelemetry-operator'],
  )
  assert.equal(v.releases[2], { name: 'tempo', chart: 'tempo', version: '1.24.4', status: 'deployed', revision: 4 })
  assert.is(v.workloads.length, 10)
  assert.ok(
    v.workloads.every((w) => w.ok),
    'every workload ready',
  )
  assert.equal(v.webhooks, [
    { name: 'cert-manager', answering: true },
    { name: 'opentelemetry-operator', answering: true },
  ])
})

statusViewTest('a release not installed: its chart from the config, no version, no revision', () => {
  const v = view({ notInstalled: ['loki'] })
  assert.equal(
    v.releases.find((r) => r.name === 'loki'),
    { name: 'loki', chart: 'loki-stack', version: '', status: 'not installed', revision: null },
  )
})

statusViewTest('a release as it is, not as it should be: the installed chart, version and state', () => {
  const v = view({
    releases: [
      aReleaseState({ name: 'loki', chart: 'loki', version: '6.24.0', status: 'pending-upgrade', revision: 7 }),
    ],
  })
  assert.equal(
    v.releases.find((r) => r.name === 'loki'),
    { name: 'loki', chart: 'loki', version: '6.24.0', status: 'pending-upgrade', revision: 7 },
  )
})

statusViewTest('workloads: namespace, kind, ready and wanted, from every namespace read', () => {
  const v = view({
    workloads: [
      aStatefulSet({
        name: 'loki',
        replicas: 3,
        status: { observedGeneration: 1, replicas: 3, readyReplicas: 1, updatedReplicas: 3 },
      }),
    ],
  })
  assert.equal(
    v.workloads.find((w) => w.name === 'loki'),
    { namespace: 'monitoring', kind: 'StatefulSet', name: 'loki', ready: 1, wanted: 3, ok: false },
  )
  assert.equal(
    v.workloads.find((w) => w.name === 'cert-manager-webhook'),
    { namespace: 'cert-manager', kind: 'Deployment', name: 'cert-manager-webhook', ready: 1, wanted: 1, ok: true },
  )
})

statusViewTest('only what is there: a missing workload is not listed', () => {
  const names = view({ missing: ['tempo'] }).workloads.map((w) => w.name)
  assert.not.ok(names.includes('tempo'), names.join(', '))
  assert.is(names.length, 9)
})

statusViewTest('a webhook not answering: answering false, with the reason', () => {
  const v = view({
    webhooks: {
      operator: {
        en: 'not installed (its CRDs are missing)',
        ko: '설치되지 않음 (CRD가 없습니다)',
      },
    },
  })
  assert.equal(v.webhooks, [
    { name: 'cert-manager', answering: true },
    {
      name: 'opentelemetry-operator',
      answering: false,
      error: { en: 'not installed (its CRDs are missing)', ko: '설치되지 않음 (CRD가 없습니다)' },
    },
  ])
})

statusViewTest("JSON of the view carries its version, and a webhook's reason in English whatever the locale", () => {
  const json = JSON.parse(statusJson(view({ webhooks: { operator: { en: 'connection refused', ko: '연결 거부' } } })))
  assert.is(json.version, 1)
  assert.equal(json.webhooks, [
    { name: 'cert-manager', answering: true },
    { name: 'opentelemetry-operator', answering: false, error: 'connection refused' },
  ])
})

statusViewTest('the cluster as the preflight read it, with the estimate for the profile and the overlays used', () => {
  const cluster = {
    flavour: 'kind' as const,
    evidence: 'providerID kind://docker/kind/kind-control-plane',
    nodes: 1,
    readyNodes: ['kind-control-plane'],
    kubernetesVersion: 'v1.35.0',
    runtimes: ['containerd://2.1.3'],
    architectures: ['amd64'],
    allocatable: { cpuMilli: 8000, memoryBytes: 2 ** 34 },
  }
  const config = aConfig({ flavourUsed: 'kind', adaptations: [adaptations[0]] })
  const v = statusView(config, aSnapshot(), cluster)
  assert.equal(v.cluster, {
    ...cluster,
    stackNeeds: stackNeeds.seed,
    defaultStorageClass: null,
    adaptations: ['flavours/kube-prometheus-stack.control-plane-monitors-off.yaml'],
    inotify: null,
  })
  assert.is(view().cluster, null, 'not read: null')
  assert.equal(
    renderStatus({ ...v, releases: [], workloads: [], webhooks: [] }, noColor)
      .split('Cluster\n')[1]
      .split('\n'),
    [
      '  flavour       kind (providerID kind://docker/kind/kind-control-plane)',
      '  nodes         1, Kubernetes v1.35.0',
      '  runtime       containerd://2.1.3 on amd64',
      '  allocatable   8 CPU / 16.0 GiB (the stack wants about 1 CPU / 2.3 GiB)',
      '  storage       none default',
      '  adaptations   values/flavours/kube-prometheus-stack.control-plane-monitors-off.yaml',
      '  inotify       not read (--check-inotify reads it)',
    ],
  )
})

statusViewTest("--check-inotify's readings: a row per node, the host command when one is low; JSON in English", () => {
  const cluster = {
    flavour: 'kind' as const,
    evidence: 'providerID kind://docker/kind/kind-control-plane',
    nodes: 2,
    readyNodes: ['kind-control-plane', 'kind-worker'],
    kubernetesVersion: 'v1.35.0',
    runtimes: [],
    architectures: [],
    allocatable: { cpuMilli: 8000, memoryBytes: 2 ** 34 },
  }
  const readings = [
    { node: 'kind-control-plane', limits: { maxUserInstances: 128, maxUserWatches: 524288 } },
    { node: 'kind-worker', error: { en: 'ImagePullBackOff: pull it', ko: 'ImagePullBackOff: 받으세요' } },
  ]
  const v = statusView(aConfig(), aSnapshot(), cluster, readings)
  const rows = renderStatus({ ...v, releases: [], workloads: [], webhooks: [] }, noColor)
    .split('\n')
    .slice(-3)
  assert.equal(rows, [
    '  inotify       kind-control-plane: max_user_instances 128, max_user_watches 524288 — low: promtail and Alloy' +
      ' may fail with "too many open files"',
    '                kind-worker: not read (ImagePullBackOff: pull it)',
    '                raise them on the host of the nodes (kind, k3d) or on each node: sudo sysctl' +
      ' fs.inotify.max_user_instances=512 fs.inotify.max_user_watches=524288',
  ])
  assert.equal(JSON.parse(statusJson(v)).cluster.inotify, [
    { node: 'kind-control-plane', limits: { maxUserInstances: 128, maxUserWatches: 524288 } },
    { node: 'kind-worker', error: 'ImagePullBackOff: pull it' },
  ])
})

statusViewTest.run()

// renderStatus

const renderStatusTest = suite('renderStatus')

const small: StatusView = {
  version: STATUS_VERSION,
  releases: [
    { name: 'tempo', chart: 'tempo', version: '1.24.4', status: 'deployed', revision: 2 },
    { name: 'loki', chart: 'loki-stack', version: '', status: 'not installed', revision: null },
  ],
  workloads: [
    { namespace: 'monitoring', kind: 'StatefulSet', name: 'tempo', ready: 1, wanted: 1, ok: true },
    { namespace: 'cert-manager', kind: 'Deployment', name: 'cert-manager-webhook', ready: 0, wanted: 1, ok: false },
  ],
  webhooks: [
    { name: 'cert-manager', answering: false, error: { en: 'connection refused', ko: '연결이 거부됨' } },
    { name: 'opentelemetry-operator', answering: true },
  ],
  cluster: null,
}

renderStatusTest('works: three tables, columns aligned, - for what is not known', () => {
  assert.is(
    renderStatus(small, noColor),
    [
      'Releases',
      '  RELEASE  CHART       VERSION  STATUS         REVISION',
      '  tempo    tempo       1.24.4   deployed       2',
      '  loki     loki-stack  -        not installed  -',
      '',
      'Workloads',
      '     NAMESPACE     WORKLOAD                         READY',
      '  ✓  monitoring    statefulset/tempo                1/1',
      '  ✗  cert-manager  deployment/cert-manager-webhook  0/1',
      '',
      'Webhooks',
      '  ✗ cert-manager: connection refused',
      '  ✓ opentelemetry-operator answers',
      '',
      'Cluster',
      '  not read (listing nodes and StorageClasses was refused or failed)',
    ].join('\n'),
  )
})

renderStatusTest('no workloads: the header alone', () => {
  const text = renderStatus({ ...small, workloads: [] }, noColor)
  assert.ok(text.includes('Workloads\n    NAMESPACE  WORKLOAD  READY\n\nWebhooks'), text)
})

renderStatusTest('with colour, the text is the same once the escapes are removed (columns stay aligned)', () => {
  const coloured = renderStatus(small, new Chalk({ level: 1 }))
  assert.ok(coloured.includes('\x1b['), 'has colour')
  assert.is(stripVTControlCharacters(coloured), renderStatus(small, noColor))
})

renderStatusTest('from a snapshot: one row per release and per workload', () => {
  const lines = renderStatus(
    view({
      workloads: [
        aDeployment({
          name: 'opentelemetry-operator',
          status: { observedGeneration: 1, replicas: 1, availableReplicas: 0 },
        }),
      ],
    }),
    noColor,
  ).split('\n')
  assert.ok(
    lines.some((l) => /^ {2}✗ +monitoring +deployment\/opentelemetry-operator +0\/1$/.test(l)),
    lines.join('\n'),
  )
  assert.ok(
    lines.some((l) => /^ {2}kube-prometheus-stack +kube-prometheus-stack +88\.5\.3 +deployed +1$/.test(l)),
    lines.join('\n'),
  )
})

renderStatusTest.run()
