// Faults a test switches on per pod-name pattern. Setting or clearing one tells the kubelet and
// the scheduler to look at every pod again, so existing pods pick the change up too.
import type { PodFault, WorkloadFaults } from './types.ts'

export class FaultBook implements WorkloadFaults {
  private readonly byPattern = new Map<string, { re: RegExp; fault: PodFault }[]>()
  private readonly listeners: (() => void)[] = []

  /** Adds a fault for pods whose name matches `podNamePattern` (a RegExp source). */
  set(podNamePattern: string, fault: PodFault): void {
    const kept = (this.byPattern.get(podNamePattern) ?? []).filter((f) => f.fault.kind !== fault.kind)
    this.byPattern.set(podNamePattern, [...kept, { re: new RegExp(podNamePattern), fault }])
    this.changed()
  }

  /** Clears the faults of one pattern, or all of them. */
  clear(podNamePattern?: string): void {
    if (podNamePattern === undefined) this.byPattern.clear()
    else this.byPattern.delete(podNamePattern)
    this.changed()
  }

  /** The fault of this kind that applies to a pod, if any. */
  find<K extends PodFault['kind']>(podName: string, kind: K): Extract<PodFault, { kind: K }> | undefined {
    for (const list of this.byPattern.values()) {
      for (const { re, fault } of list)
        if (fault.kind === kind && re.test(podName)) return fault as Extract<PodFault, { kind: K }>
    }
    return undefined
  }

  has(podName: string, kind: PodFault['kind']): boolean {
    return this.find(podName, kind) !== undefined
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}
