// What the simulated containers wrote. There are no processes: a container's log is what its fault
// says each run wrote before it exited (a crash loop's `log`), kept per container of a pod for the
// API's log subresource (`kubectl logs`, and `--previous` once another run has begun).
export class ContainerLogs {
  private readonly ended = new Map<string, string>()

  /** A run of the container ended, having written `text`. */
  record(podUid: string, container: string, text: string): void {
    this.ended.set(`${podUid}/${container}`, text)
  }

  /** The log of the container's last run that ended, if it wrote one. */
  lastEnded(podUid: string, container: string): string | undefined {
    return this.ended.get(`${podUid}/${container}`)
  }

  forget(podUid: string): void {
    for (const key of this.ended.keys()) if (key.startsWith(`${podUid}/`)) this.ended.delete(key)
  }
}
