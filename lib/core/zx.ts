// zx's goods that `zx/core` does not have, from zx's CommonJS entry, which the zx CLI has loaded
// before it imports a script. An ESM `import … from 'zx'` makes Node scan that entry and its 700 KB
// vendor bundle for export names first: 12–15 ms of every script's start-up, measured. So lib
// imports `$`, `within`, `which`, `chalk` and `quote` from `zx/core`, and these from here.
import { createRequire } from 'node:module'

const zx: typeof import('zx') = createRequire(import.meta.url)('zx')

export const { YAML, minimist, sleep, question } = zx
