import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  describePod,
  isHookOf,
  podProblem,
  podReady,
  selects,
  stuckHookJob,
  stuckPodProblem,
  workloadStatus,
} from '../../lib/tools/readiness.ts'
import { aDaemonSet, aDeployment, aHookJob, anEvent, aPod, aStatefulSet } from './builders.ts'

/** a Korean sentence has Hangul in it */
const hangul = /[\uac00-\ud7a3]/

// workloadStatus

const workloadStatusTest = suite('workloadStatus')

workloadStatusTest('works: a rolled-out Deployment is ready', () => {
  assert.equal(workloadStatus(aDeployment()), {
    ready: true,
    detail: { en: '1/1 available', ko: '1/1 사용 가능' },
    readyCount: 1,
    wanted: 1,
  })
})

for (const [name, obj, ready, detail] of [
  // Deployment
  [
    'Deployment: not yet observed generation',
    aDeployment({
      generation: 2,
      status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
    }),
    false,
    'waiting for its controller',
  ],
  [
    'Deployment: partly available',
    aDeployment({
      replicas: 3,
      status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 1 },
    }),
    false,
    '1/3 available',
  ],
  [
    'Deployment: nothing available yet (status fields omitted when 0)',
    aDeployment({ status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1 } }),
    false,
    '0/1 available',
  ],
  [
    'Deployment: rolling out (old pod still counted)',
    aDeployment({
      replicas: 1,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 1 },
    }),
    false,
    '1/1 available, rolling out',
  ],
  [
    'Deployment: rolling out (not all updated)',
    aDeployment({
      replicas: 2,
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 1, availableReplicas: 2 },
    }),
    false,
    '2/2 available, rolling out',
  ],
  [
    'Deployment: scaled to zero',
    aDeployment({ replicas: 0, status: { observedGeneration: 1 } }),
    true,
    '0/0 available',
  ],
  // StatefulSet
  ['StatefulSet: ready', aStatefulSet(), true, '1/1 ready'],
  [
    'StatefulSet: not yet observed generation',
    aStatefulSet({ generation: 3, status: { observedGeneration: 2, readyReplicas: 1 } }),
    false,
    'waiting for its controller',
  ],
  [
    'StatefulSet: partly ready',
    aStatefulSet({
      replicas: 2,
      status: {
        observedGeneration: 1,
        replicas: 2,
        readyReplicas: 1,
        updatedReplicas: 2,
        currentRevision: 'a',
        updateRevision: 'a',
      },
    }),
    false,
    '1/2 ready',
  ],
  [
    'StatefulSet: rolling out to a new revision',
    aStatefulSet({
      status: {
        observedGeneration: 1,
        replicas: 1,
        readyReplicas: 1,
        currentRevision: 'loki-1',
        updateRevision: 'loki-2',
      },
    }),
    false,
    '1/1 ready, rolling out',
  ],
  [
    'StatefulSet: a new revision, every pod updated',
    aStatefulSet({
      status: {
        observedGeneration: 1,
        replicas: 1,
        readyReplicas: 1,
        updatedReplicas: 1,
        currentRevision: 'loki-1',
        updateRevision: 'loki-2',
      },
    }),
    true,
    '1/1 ready',
  ],
  // DaemonSet
  ['DaemonSet: ready on every node', aDaemonSet({ nodes: 2 }), true, '2/2 ready'],
  [
    'DaemonSet: Ready pods within minReadySeconds (numberAvailable omitted while 0)',
    aDaemonSet({
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        currentNumberScheduled: 2,
        updatedNumberScheduled: 2,
        numberReady: 2,
      },
    }),
    false,
    '0/2 ready',
  ],
  [
    'DaemonSet: one of two available yet',
    aDaemonSet({
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        currentNumberScheduled: 2,
        updatedNumberScheduled: 2,
        numberReady: 2,
        numberAvailable: 1,
      },
    }),
    false,
    '1/2 ready',
  ],
  [
    'DaemonSet: not yet observed generation',
    aDaemonSet({ generation: 2, status: { observedGeneration: 1, desiredNumberScheduled: 2, numberReady: 2 } }),
    false,
    'waiting for its controller',
  ],
  [
    'DaemonSet: ready on one node of two',
    aDaemonSet({
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        updatedNumberScheduled: 2,
        numberReady: 1,
        numberAvailable: 1,
      },
    }),
    false,
    '1/2 ready',
  ],
  [
    'DaemonSet: ready but not yet available',
    aDaemonSet({
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        updatedNumberScheduled: 2,
        numberReady: 2,
        numberAvailable: 1,
      },
    }),
    false,
    '1/2 ready',
  ],
  [
    'DaemonSet: rolling out',
    aDaemonSet({
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        updatedNumberScheduled: 1,
        numberReady: 2,
        numberAvailable: 2,
      },
    }),
    false,
    '2/2 ready, rolling out',
  ],
  [
    'DaemonSet: no node matches its selector (counted: none wanted)',
    aDaemonSet({ status: { observedGeneration: 1, desiredNumberScheduled: 0 } }),
    true,
    '0/0 ready',
  ],
  [
    'DaemonSet: its controller has not counted the nodes yet',
    { ...aDaemonSet(), metadata: { name: 'loki-promtail', namespace: 'monitoring' }, status: {} },
    false,
    'no nodes scheduled yet',
  ],
] as const) {
  workloadStatusTest(`${name} → ${ready ? 'ready' : 'not ready'}, "${detail}"`, () => {
    const status = workloadStatus(obj)
    assert.is(status.ready, ready, status.detail.en)
    assert.is(status.detail.en, detail)
    assert.match(status.detail.ko, hangul, 'said in Korean too')
  })
}

workloadStatusTest('undefined: not created yet', () => {
  assert.equal(workloadStatus(undefined), {
    ready: false,
    detail: { en: 'not created yet', ko: '아직 만들어지지 않음' },
    readyCount: 0,
    wanted: 1,
  })
})

workloadStatusTest('another kind exists, so it is ready', () => {
  assert.is(workloadStatus({ kind: 'Service', metadata: { name: 'tempo' } }).ready, true)
})

workloadStatusTest('counts: ready and wanted', () => {
  const status = workloadStatus(
    aDeployment({
      replicas: 3,
      status: { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
    }),
  )
  assert.equal([status.readyCount, status.wanted], [2, 3])
})

workloadStatusTest.run()

// selects

const selectsTest = suite('selects')

const pod = { app: 'loki', release: 'loki', tier: 'backend' }

selectsTest('works: matchLabels, every one present', () => {
  assert.ok(selects({ matchLabels: { app: 'loki', release: 'loki' } }, pod))
})

for (const [name, selector, selected] of [
  ['matchLabels: one differs', { matchLabels: { app: 'loki', release: 'other' } }, false],
  ['matchLabels: one missing', { matchLabels: { app: 'loki', zone: 'a' } }, false],
  ['In: value listed', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] }, true],
  ['In: value not listed', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }] }, false],
  ['In: label missing', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, false],
  ['NotIn: value not listed', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['frontend'] }] }, true],
  ['NotIn: value listed', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['backend'] }] }, false],
  ['NotIn: label missing', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
  ['Exists: present', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
  ['Exists: missing', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, false],
  ['DoesNotExist: missing', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, true],
  ['DoesNotExist: present', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
  [
    'an unknown operator selects nothing',
    { matchExpressions: [{ key: 'tier', operator: 'Gt', values: ['1'] }] },
    false,
  ],
  [
    'matchLabels and matchExpressions must both hold',
    { matchLabels: { app: 'loki' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend'] }] },
    false,
  ],
  ['no selector selects nothing', undefined, false],
] as const) {
  selectsTest(`${name} → ${selected}`, () => {
    assert.is(selects(selector as Parameters<typeof selects>[0], pod), selected)
  })
}

selectsTest('a pod without labels', () => {
  assert.is(selects({ matchLabels: { app: 'loki' } }, undefined), false)
  assert.is(selects({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, undefined), true)
})

selectsTest.run()

// podProblem

const podProblemTest = suite('podProblem')

podProblemTest('works: ImagePullBackOff is terminal, with the container and image named', () => {
  const problem = podProblem(
    aPod({
      containers: [
        {
          name: 'tempo',
          image: 'grafana/tempo:9.9.9',
          waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "grafana/tempo:9.9.9"' },
        },
      ],
    }),
  )
  assert.equal(problem && { ...problem, hint: undefined }, {
    pod: 'tempo-0',
    container: 'tempo',
    image: 'grafana/tempo:9.9.9',
    reason: 'ImagePullBackOff',
    message: 'Back-off pulling image "grafana/tempo:9.9.9"',
    terminal: true,
    hint: undefined,
  })
  assert.match(problem?.hint.en ?? '', /image name and tag/)
})

podProblemTest('ErrImagePull is not terminal yet (the kubelet retries; it becomes ImagePullBackOff)', () => {
  const problem = podProblem(aPod({ containers: [{ waiting: { reason: 'ErrImagePull' } }] }))
  assert.is(problem?.reason, 'ErrImagePull')
  assert.is(problem?.terminal, false)
})

for (const reason of ['InvalidImageName', 'ErrImageNeverPull', 'CreateContainerConfigError', 'CreateContainerError']) {
  podProblemTest(`${reason} is terminal`, () => {
    const problem = podProblem(aPod({ containers: [{ waiting: { reason } }] }))
    assert.equal([problem?.reason, problem?.terminal], [reason, true])
  })
}

podProblemTest('CrashLoopBackOff with 3 restarts is terminal, and the hint reads the previous log', () => {
  const problem = podProblem(
    aPod({
      name: 'loki-0',
      containers: [
        {
          name: 'loki',
          restartCount: 3,
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=loki' },
        },
      ],
    }),
  )
  assert.is(problem?.reason, 'CrashLoopBackOff')
  assert.is(problem?.terminal, true)
  assert.is(problem?.message, 'back-off 40s restarting failed container=loki; 3 restarts')
  assert.is(problem?.hint.en, 'read its log: kubectl logs -n monitoring loki-0 -c loki --previous')
})

podProblemTest('CrashLoopBackOff after 1 restart is not terminal yet', () => {
  const problem = podProblem(aPod({ containers: [{ restartCount: 1, waiting: { reason: 'CrashLoopBackOff' } }] }))
  assert.equal([problem?.reason, problem?.terminal], ['CrashLoopBackOff', false])
})

podProblemTest(
  'restarting between back-offs (running, not ready, 3 restarts): terminal, with the last exit code',
  () => {
    const problem = podProblem(
      aPod({
        containers: [{ name: 'loki', ready: false, restartCount: 3, lastTerminated: { exitCode: 1, reason: 'Error' } }],
      }),
    )
    assert.equal(
      [problem?.reason, problem?.terminal, problem?.message],
      ['Restarting', true, 'last exit code 1 (Error); 3 restarts'],
    )
  },
)

podProblemTest('an init container stuck pulling its image is found too', () => {
  const problem = podProblem(
    aPod({
      phase: 'Pending',
      initContainers: [{ name: 'init-chown', image: 'busybox:nope', waiting: { reason: 'ImagePullBackOff' } }],
      containers: [{ waiting: { reason: 'PodInitializing' } }],
    }),
  )
  assert.equal([problem?.container, problem?.image, problem?.terminal], ['init-chown', 'busybox:nope', true])
})

podProblemTest("Unschedulable (PodScheduled False) is terminal, with the scheduler's words", () => {
  const problem = podProblem(aPod({ unschedulable: { message: '0/1 nodes are available: 1 Insufficient memory.' } }))
  assert.equal(problem && { ...problem, hint: '' }, {
    pod: 'tempo-0',
    reason: 'Unschedulable',
    message: '0/1 nodes are available: 1 Insufficient memory.',
    terminal: true,
    hint: '',
  })
  assert.match(problem?.hint.en ?? '', /no room for this pod/)
})

podProblemTest('PodScheduled False for another reason: named, not terminal', () => {
  const problem = podProblem(aPod({ unschedulable: { reason: 'SchedulerError', message: 'binding rejected' } }))
  assert.equal([problem?.reason, problem?.terminal], ['SchedulerError', false])
})

podProblemTest('the Failed phase is terminal', () => {
  const problem = podProblem(
    aPod({
      phase: 'Failed',
      reason: 'Evicted',
      message: 'The node was low on resource: ephemeral-storage.',
      containers: [{ ready: false }],
    }),
  )
  assert.equal(
    [problem?.reason, problem?.message, problem?.terminal],
    ['Evicted', 'The node was low on resource: ephemeral-storage.', true],
  )
})

podProblemTest('a healthy pod has no problem', () => {
  assert.is(podProblem(aPod()), undefined)
})

podProblemTest('a pod still creating its containers has no problem (yet)', () => {
  assert.is(
    podProblem(aPod({ phase: 'Pending', containers: [{ waiting: { reason: 'ContainerCreating' } }] })),
    undefined,
  )
})

podProblemTest('a healthy pod that restarted 3 times earlier (now running and ready) has no problem', () => {
  // e.g. promtail restarting while Loki came up, then fine: waiting longer is exactly right
  assert.is(
    podProblem(
      aPod({
        containers: [
          { name: 'promtail', ready: true, restartCount: 3, lastTerminated: { exitCode: 1, reason: 'Error' } },
        ],
      }),
    ),
    undefined,
  )
})

podProblemTest.run()

// podReady

const podReadyTest = suite('podReady')

podReadyTest('works: Running with the Ready condition True', () => {
  assert.is(podReady(aPod()), true)
})

podReadyTest('Running but not Ready', () => {
  assert.is(podReady(aPod({ containers: [{ ready: false }] })), false)
})

podReadyTest('Pending', () => {
  assert.is(podReady(aPod({ unschedulable: {} })), false)
})

podReadyTest('Succeeded is not ready', () => {
  assert.is(podReady(aPod({ phase: 'Succeeded', ready: true })), false)
})

podReadyTest('no status at all', () => {
  assert.is(podReady({ kind: 'Pod', metadata: { name: 'x' } }), false)
})

podReadyTest.run()

// describePod

const describePodTest = suite('describePod')

const pulling = aPod({
  name: 'tempo-0',
  phase: 'Pending',
  containers: [
    {
      name: 'tempo',
      image: 'grafana/tempo:9.9.9',
      waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "grafana/tempo:9.9.9"' },
    },
  ],
})

describePodTest('works: the pod, its reason, container, image, last events and what to try', () => {
  const lines = describePod(pulling, [
    anEvent({
      reason: 'Scheduled',
      message: 'Successfully assigned monitoring/tempo-0 to kind-worker',
      at: '2025-01-10T10:00:00Z',
    }),
    anEvent({
      type: 'Warning',
      reason: 'Failed',
      message: 'Failed to pull image "grafana/tempo:9.9.9": not found',
      at: '2025-01-10T10:00:05Z',
    }),
  ])
  assert.equal(lines, [
    'monitoring/tempo-0 Pending: ImagePullBackOff in container tempo (image grafana/tempo:9.9.9) — ' +
      'Back-off pulling image "grafana/tempo:9.9.9"',
    '    last events:',
    '      Normal Scheduled: Successfully assigned monitoring/tempo-0 to kind-worker',
    '      Warning Failed: Failed to pull image "grafana/tempo:9.9.9": not found',
    '    try: check the image name and tag, and that the nodes can reach the registry ' +
      '(behind a proxy or offline, use a mirror)',
  ])
})

describePodTest("only that pod's events, at most 5, oldest first", () => {
  const at = (s: number) => `2025-01-10T10:00:${String(s).padStart(2, '0')}Z`
  const mine = [7, 1, 3, 6, 2, 5, 4].map((s) =>
    anEvent({ pod: 'tempo-0', reason: `R${s}`, message: `m${s}`, at: at(s) }),
  )
  const others = [
    anEvent({ pod: 'tempo-1', reason: 'Other', at: at(9) }),
    anEvent({ pod: 'loki-0', reason: 'Other', at: at(8) }),
  ]
  const events = describePod(pulling, [...others, ...mine]).filter((l) => l.startsWith('      '))
  assert.equal(
    events,
    ['R3', 'R4', 'R5', 'R6', 'R7'].map((r) => `      Normal ${r}: m${r.slice(1)}`),
  )
})

describePodTest('no events: no events heading', () => {
  const lines = describePod(pulling, [])
  assert.not.ok(lines.includes('    last events:'))
  assert.is(lines.length, 2)
})

describePodTest("an unschedulable pod: the scheduler's message and the hint to add room", () => {
  const lines = describePod(
    aPod({ name: 'loki-0', unschedulable: { message: '0/1 nodes are available: 1 Insufficient cpu.' } }),
    [],
  )
  assert.is(lines[0], 'monitoring/loki-0 Pending: Unschedulable — 0/1 nodes are available: 1 Insufficient cpu.')
  assert.match(lines.at(-1) ?? '', /^ {4}try: the cluster has no room for this pod/)
})

describePodTest('a ready pod: said so, nothing to try', () => {
  assert.equal(describePod(aPod({ name: 'tempo-0' }), []), ['monitoring/tempo-0 Running, ready'])
})

describePodTest('a pod not ready for no known reason: said so, nothing to try', () => {
  assert.equal(describePod(aPod({ name: 'tempo-0', containers: [{ ready: false }] }), []), [
    'monitoring/tempo-0 Running, not ready',
  ])
})

describePodTest.run()

// isHookOf

const isHookOfTest = suite('isHookOf')

isHookOfTest('works: a hook Job with the release as its instance label', () => {
  assert.ok(isHookOf(aHookJob(), 'kube-prometheus-stack'))
})

for (const [name, job, release, want] of [
  [
    "another release's hook",
    aHookJob({ labels: { 'app.kubernetes.io/instance': 'loki' }, name: 'loki-test' }),
    'kube-prometheus-stack',
    false,
  ],
  ["the chart's `release` label", aHookJob({ labels: { release: 'tempo' }, name: 'x' }), 'tempo', true],
  ['no label, named after the release', aHookJob({ labels: {}, name: 'tempo-migrate' }), 'tempo', true],
  ['a plain Job (no hook annotation)', aHookJob({ hook: null }), 'kube-prometheus-stack', false],
] as const) {
  isHookOfTest(name, () => assert.is(isHookOf(job, release), want))
}

isHookOfTest.run()

// stuckHookJob

const stuckHookJobTest = suite('stuckHookJob')
const pullFailing = (name = 'kube-prometheus-stack-admission-create-x7k2p') =>
  aPod({
    name,
    phase: 'Pending',
    labels: { 'job-name': 'kube-prometheus-stack-admission-create' },
    containers: [
      {
        name: 'create',
        image: 'ghcr.io/jkroepke/kube-webhook-certgen:1.8.7',
        waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' },
      },
    ],
  })

stuckHookJobTest('works: a pod stuck for --stuck-after is named, not before', () => {
  const since = new Map<string, number>()
  const jobs = [aHookJob()]
  assert.is(stuckHookJob(jobs, [pullFailing()], since, { afterMs: 60_000, now: 1_000 }), undefined)
  assert.is(stuckHookJob(jobs, [pullFailing()], since, { afterMs: 60_000, now: 60_999 }), undefined)
  const found = stuckHookJob(jobs, [pullFailing()], since, { afterMs: 60_000, now: 61_000 })
  assert.is(found?.job.metadata.name, 'kube-prometheus-stack-admission-create')
  assert.is(found?.reason, 'its pod kube-prometheus-stack-admission-create-x7k2p is stuck (ImagePullBackOff)')
})

stuckHookJobTest('a pod that recovers starts its clock again', () => {
  const since = new Map<string, number>()
  const jobs = [aHookJob()]
  stuckHookJob(jobs, [pullFailing()], since, { afterMs: 60_000, now: 0 })
  stuckHookJob(
    jobs,
    [
      aPod({
        name: 'kube-prometheus-stack-admission-create-x7k2p',
        labels: { 'job-name': 'kube-prometheus-stack-admission-create' },
      }),
    ],
    since,
    { afterMs: 60_000, now: 30_000 },
  )
  assert.is(stuckHookJob(jobs, [pullFailing()], since, { afterMs: 60_000, now: 61_000 }), undefined)
})

stuckHookJobTest('a failed Job is named at once, with its condition', () => {
  const found = stuckHookJob(
    [aHookJob({ failed: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' } })],
    [],
    new Map(),
    { afterMs: 60_000, now: 0 },
  )
  assert.is(found?.reason, 'failed: BackoffLimitExceeded — Job has reached the specified backoff limit')
})

stuckHookJobTest('a Job that completed, or whose Failed condition is False, has not failed', () => {
  const job = aHookJob()
  job.status = {
    conditions: [
      { type: 'Failed', status: 'False', reason: 'BackoffLimitExceeded' },
      { type: 'Complete', status: 'True', reason: 'Done' },
    ],
  }
  assert.is(stuckHookJob([job], [], new Map(), { afterMs: 60_000, now: 0 }), undefined)
})

stuckHookJobTest("a stuck pod of another Job is not this Job's", () => {
  const pod = pullFailing()
  pod.metadata.labels = { 'job-name': 'something-else' }
  assert.is(stuckHookJob([aHookJob()], [pod], new Map(), { afterMs: 0, now: 0 }), undefined)
})

stuckHookJobTest.run()

// stuckPodProblem

const stuckPodProblemTest = suite('stuckPodProblem')

const stuckPulling = (reason = 'ImagePullBackOff') =>
  aPod({ name: 'tempo-0', phase: 'Pending', containers: [{ name: 'tempo', waiting: { reason } }] })

stuckPodProblemTest('works: a terminal problem is stuck once it has lasted afterMs, not at first sight', () => {
  const since = new Map<string, number>()
  assert.is(stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 1_000 }), undefined)
  assert.is(stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 60_999 }), undefined)
  assert.is(stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 61_000 })?.reason, 'ImagePullBackOff')
})

stuckPodProblemTest('the kubelet flipping ErrImagePull and ImagePullBackOff is one episode: its clock goes on', () => {
  const since = new Map<string, number>()
  stuckPodProblem(stuckPulling('ErrImagePull'), since, { afterMs: 60_000, now: 0 })
  stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 30_000 })
  assert.is(stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 60_000 })?.reason, 'ImagePullBackOff')
})

stuckPodProblemTest('a pod without a problem is forgotten: its next problem starts a new episode', () => {
  const since = new Map<string, number>()
  stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 0 })
  assert.is(stuckPodProblem(aPod({ name: 'tempo-0' }), since, { afterMs: 60_000, now: 30_000 }), undefined)
  assert.is(since.size, 0)
  assert.is(stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 61_000 }), undefined)
  assert.ok(stuckPodProblem(stuckPulling(), since, { afterMs: 60_000, now: 121_000 }))
})

stuckPodProblemTest('a problem waiting may cure (ErrImagePull alone) is never stuck, however long', () => {
  const since = new Map<string, number>()
  stuckPodProblem(stuckPulling('ErrImagePull'), since, { afterMs: 60_000, now: 0 })
  assert.is(stuckPodProblem(stuckPulling('ErrImagePull'), since, { afterMs: 60_000, now: 600_000 }), undefined)
})

stuckPodProblemTest.run()
