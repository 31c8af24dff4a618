import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { describePod, knownFailureHint, podProblem } from '../../lib/tools/readiness.ts'
import { aPod, anEvent } from './builders.ts'

const test = suite('known failures: each with its cause and remedy')

/** The `try:` line describePod ends with. */
const tryLine = (lines: string[]) => lines.at(-1) ?? ''

test('a rate-limited pull (429 Too Many Requests, toomanyrequests): wait, log in or use a mirror', () => {
  const pod = aPod({
    name: 'loki-0',
    phase: 'Pending',
    containers: [
      {
        name: 'loki',
        image: 'grafana/loki:2.9.17',
        waiting: {
          reason: 'ErrImagePull',
          message:
            'failed to pull and unpack image "docker.io/grafana/loki:2.9.17": failed to copy: httpReadSeeker:' +
            ' failed open: unexpected status code https://registry-1.docker.io/v2/grafana/loki/manifests/sha256:0a:' +
            ' 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.',
        },
      },
    ],
  })
  assert.match(
    podProblem(pod)?.hint.en ?? '',
    /^the registry refuses more pulls for now .*: wait and run again, .*mirror/,
  )
  assert.match(knownFailureHint(['toomanyrequests: Rate exceeded'])?.en ?? '', /rate limit/)
})

test('Insufficient cpu and Insufficient memory: which of the two, and how to give more', () => {
  const cpu = podProblem(aPod({ unschedulable: { message: '0/1 nodes are available: 1 Insufficient cpu.' } }))
  assert.match(cpu?.hint.en ?? '', /CPU is all requested\): give the nodes more CPUs \(minikube start --cpus 4/)
  const memory = podProblem(aPod({ unschedulable: { message: '0/2 nodes are available: 2 Insufficient memory.' } }))
  assert.match(
    memory?.hint.en ?? '',
    /memory is all requested\): give the nodes more memory \(minikube start --memory 8g/,
  )
  assert.is(memory?.terminal, true)
})

test('an unbound PVC: no default StorageClass, or its provisioner is not running', () => {
  const message = '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes'
  const problem = podProblem(aPod({ name: 'loki-0', unschedulable: { message } }))
  assert.match(problem?.hint.en ?? '', /PersistentVolumeClaim is not bound: no default StorageClass.*kubectl get pvc/)
})

test('a missing Secret volume: the pod waits in ContainerCreating, its FailedMount event names it', () => {
  const pod = aPod({
    name: 'opentelemetry-operator-5d4b9c7f8-x2x9q',
    phase: 'Pending',
    containers: [{ name: 'manager', waiting: { reason: 'ContainerCreating' } }],
  })
  assert.is(podProblem(pod), undefined, 'the status alone says nothing')
  const failedMount = anEvent({
    pod: pod.metadata.name,
    type: 'Warning',
    reason: 'FailedMount',
    message:
      'MountVolume.SetUp failed for volume "cert" : secret "opentelemetry-operator-controller-manager-service-cert"' +
      ' not found',
  })
  const lines = describePod(pod, [anEvent({ pod: pod.metadata.name }), failedMount])
  assert.match(lines[0], /Pending: FailedMount — MountVolume\.SetUp failed for volume "cert"/)
  assert.match(tryLine(lines), /^ {4}try: a Secret it mounts does not exist: if another release makes it/)
})

test('a FailedMount that is no longer the newest event (the Secret came, the image is pulling): no problem', () => {
  const pod = aPod({ name: 'op', phase: 'Pending', containers: [{ waiting: { reason: 'ContainerCreating' } }] })
  const failedMount = anEvent({
    pod: 'op',
    type: 'Warning',
    reason: 'FailedMount',
    message: 'MountVolume.SetUp failed for volume "cert" : secret "op-cert" not found',
    at: '2025-01-10T10:00:00Z',
  })
  assert.is(podProblem(pod, { events: [failedMount] })?.reason, 'FailedMount')
  assert.is(podProblem(pod, { events: [failedMount, anEvent({ pod: 'op', at: '2025-01-10T10:00:05Z' })] }), undefined)
  const running = aPod({ name: 'op', containers: [{ ready: false }] })
  assert.is(podProblem(running, { events: [failedMount] }), undefined, 'a pod past Pending has mounted its volumes')
})

test("mount propagation (Docker Desktop's /): node-exporter without the host root", () => {
  const pod = aPod({
    name: 'kube-prometheus-stack-prometheus-node-exporter-7xk2p',
    phase: 'Pending',
    containers: [
      {
        name: 'node-exporter',
        waiting: {
          reason: 'CreateContainerError',
          message: 'Error response from daemon: path / is mounted on / but it is not a shared or slave mount',
        },
      },
    ],
  })
  assert.match(podProblem(pod)?.hint.en ?? '', /not a shared mount \(Docker Desktop\).*--flavour=docker-desktop/)
  const byEvent = aPod({ name: 'ne', phase: 'Pending', containers: [{ waiting: { reason: 'ContainerCreating' } }] })
  const failed = anEvent({
    pod: 'ne',
    type: 'Warning',
    reason: 'Failed',
    message: 'Error: path / is mounted on / but it is not a shared or slave mount',
  })
  assert.match(tryLine(describePod(byEvent, [failed])), /hostRootFsMount\.enabled=false/)
})

test('a crash whose last log says "too many open files": the host command for the inotify limits', () => {
  const pod = aPod({
    name: 'loki-promtail-8zq4d',
    containers: [{ name: 'promtail', waiting: { reason: 'CrashLoopBackOff' }, restartCount: 4 }],
  })
  pod.status.containerStatuses[0].lastState = {
    terminated: {
      exitCode: 1,
      reason: 'Error',
      message: 'level=error msg="error creating promtail" error="too many open files"',
    },
  }
  assert.match(
    podProblem(pod)?.hint.en ?? '',
    /inotify limits are spent.*sudo sysctl fs\.inotify\.max_user_instances=512/,
  )
})

test('a crash whose cause only its log says (no FallbackToLogsOnError): the log read by the caller names it', () => {
  const pod = aPod({
    name: 'loki-promtail-8zq4d',
    containers: [{ name: 'promtail', waiting: { reason: 'CrashLoopBackOff' }, restartCount: 4 }],
  })
  assert.match(podProblem(pod)?.hint.en ?? '', /^read its log: kubectl logs .* --previous$/)
  const log =
    'level=error caller=main.go:169 msg="error creating promtail" error="failed to make file target manager:' +
    ' too many open files"\n'
  assert.match(podProblem(pod, { log })?.hint.en ?? '', /inotify limits are spent/)
  const lines = describePod(pod, [], `level=info msg="Starting Promtail"\n${log}`)
  assert.equal(lines.slice(1, 4), [
    '    its log before it ended:',
    '      level=info msg="Starting Promtail"',
    `      ${log.trim()}`,
  ])
})

test('an unknown failure keeps the generic hint; a Normal event that mentions nothing known is no problem', () => {
  const crash = aPod({
    name: 'x',
    containers: [{ name: 'c', waiting: { reason: 'CrashLoopBackOff' }, restartCount: 3 }],
  })
  assert.is(podProblem(crash)?.hint.en, 'read its log: kubectl logs -n monitoring x -c c --previous')
  const creating = aPod({ name: 'y', phase: 'Pending', containers: [{ waiting: { reason: 'ContainerCreating' } }] })
  assert.equal(
    describePod(creating, [anEvent({ pod: 'y' })]).at(-1),
    '      Normal Pulling: Pulling image "grafana/tempo:2.7.1"',
  )
})

test.run()
