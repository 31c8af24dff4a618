import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { clipboardCommand } from '../../lib/tools/clipboard.ts'

// clipboardCommand

const clipboardCommandTest = suite('clipboardCommand')

const everywhere = () => true

for (const [name, platform, env, onPath, tool] of [
  ['works: Wayland, wl-copy', 'linux', { WAYLAND_DISPLAY: 'wayland-0' }, everywhere, ['wl-copy']],
  [
    'X11: xclip to the clipboard selection',
    'linux',
    { DISPLAY: ':0' },
    everywhere,
    ['xclip', '-selection', 'clipboard'],
  ],
  [
    'X11 without xclip: xsel',
    'linux',
    { DISPLAY: ':0' },
    (b: string) => b === 'xsel',
    ['xsel', '--clipboard', '--input'],
  ],
  [
    'Wayland with X11 beside it: Wayland first',
    'linux',
    { WAYLAND_DISPLAY: 'w', DISPLAY: ':0' },
    everywhere,
    ['wl-copy'],
  ],
  [
    'a Wayland session without wl-copy: X11 tools',
    'linux',
    { WAYLAND_DISPLAY: 'w', DISPLAY: ':0' },
    (b: string) => b !== 'wl-copy',
    ['xclip', '-selection', 'clipboard'],
  ],
  ['macOS: pbcopy', 'darwin', {}, everywhere, ['pbcopy']],
  ['WSL: clip.exe', 'linux', { WSL_DISTRO_NAME: 'Ubuntu' }, everywhere, ['clip.exe']],
  ['no desktop (ssh, CI): none', 'linux', {}, everywhere, undefined],
  ['a desktop without any tool: none', 'linux', { DISPLAY: ':0' }, () => false, undefined],
] as [string, NodeJS.Platform, NodeJS.ProcessEnv, (b: string) => boolean, string[] | undefined][]) {
  clipboardCommandTest(name, () => {
    assert.equal(clipboardCommand(platform, env, onPath), tool)
  })
}

clipboardCommandTest.run()
