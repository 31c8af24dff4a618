// The system clipboard, for a secret a person pastes (Grafana's admin password): the text is fed
// on stdin, never on a command line another local user could read in the process list.
import { spawn } from 'node:child_process'
import { which } from 'zx/core'

/** How long a clipboard tool may take to take the text. */
const COPY_MS = 5000

/**
 * The clipboard tool for this desktop, in the order the platform and its session suggest
 * (Wayland before X11), among those `onPath` finds; undefined when there is none.
 */
export function clipboardCommand(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv,
  onPath: (bin: string) => boolean,
): string[] | undefined {
  const candidates: string[][] = [
    ...(platform === 'darwin' ? [['pbcopy']] : []),
    ...(platform === 'win32' || env.WSL_DISTRO_NAME ? [['clip.exe']] : []),
    ...(env.WAYLAND_DISPLAY ? [['wl-copy']] : []),
    ...(env.DISPLAY
      ? [
          ['xclip', '-selection', 'clipboard'],
          ['xsel', '--clipboard', '--input'],
        ]
      : []),
  ]
  return candidates.find(([bin]) => onPath(bin))
}

/** The clipboard tool found on PATH for this process, if any. */
export function systemClipboard(): string[] | undefined {
  return clipboardCommand(process.platform, process.env, (bin) => Boolean(which.sync(bin, { nothrow: true })))
}

/**
 * Copies `text` with the tool `argv`; false when it fails or takes longer than COPY_MS. Its
 * output is not read: xclip and wl-copy leave a child serving the selection, which would hold a
 * pipe open long after the copy is done.
 */
export function copyToClipboard(argv: string[], text: string): Promise<boolean> {
  const [bin, ...args] = argv
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'ignore', 'ignore'], timeout: COPY_MS })
    child.on('error', () => resolve(false))
    child.on('exit', (code) => resolve(code === 0))
    child.stdin.on('error', () => {})
    child.stdin.end(text)
  })
}
