// The host kernel's settings a container reads under /proc/sys. One kernel for every node, as kind's
// and k3d's nodes are containers on one host; Linux's defaults until a test sets others. There are no
// processes: a container whose command is `cat` of /proc/sys files writes their values, one a line.
export class HostKernel {
  readonly sysctls = new Map<string, string>([
    ['fs.inotify.max_user_instances', '128'],
    ['fs.inotify.max_user_watches', '8192'],
  ])

  /** What the command writes when it only cats /proc/sys files; undefined for any other command. */
  output(command: readonly string[] | undefined): string | undefined {
    const [program, ...files] = command ?? []
    if (!program || !/(^|\/)cat$/.test(program) || !files.length) return undefined
    if (!files.every((f) => f.startsWith('/proc/sys/'))) return undefined
    return files.map((f) => `${this.sysctls.get(f.slice('/proc/sys/'.length).replaceAll('/', '.')) ?? ''}\n`).join('')
  }
}
