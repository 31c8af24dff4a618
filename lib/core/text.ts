// The sentences people read, in English or Korean, chosen once from the locale.
// Why here, in core, and as `{ en, ko }` pairs written where the sentence is made: errors, usage
// problems, `--help` texts and step titles are made in core, below the ui floor, and a catalogue of
// ids far from its call sites would need its parameters typed twice. A pair is typed: a missing
// Korean sentence is a compile error at the very line that says the English one.
// What machines read (`--json`, the dry-run's script, commands and names) never goes through here:
// where a sentence also lands there, the data carries the pair and that output takes `.en`.
// A Korean sentence longer than a line is split by a template literal's line continuation (`\` at
// the end of a line): the formatter joins `'…' + '…'` back into one line, over 120 bytes in Hangul.

export type Lang = 'en' | 'ko'

/** One sentence in both languages. */
export type Text = Record<Lang, string>

/** The first non-empty of LC_ALL, LC_MESSAGES, LANG decides (POSIX order); `ko`, `ko_KR.UTF-8` … mean Korean. */
export function languageOf(env: NodeJS.ProcessEnv = process.env): Lang {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || ''
  // `ko` on its own or with a territory/codeset/modifier; not `kok_IN` (Konkani)
  return /^ko(?:$|[_.@-])/.test(locale) ? 'ko' : 'en'
}

/** The language of this process's output: its locale, read once. */
export const lang: Lang = languageOf()

/** `text` in this process's language. */
export function say(text: Text, language: Lang = lang): string {
  return text[language]
}

/** Words that stay as they are in both languages: a name, a command, a tool's own output. */
export function asIs(words: string): Text {
  return { en: words, ko: words }
}

/** A pair made in each language by the same recipe (pairs joined, a suffix added). */
export function inBoth(make: (language: Lang) => string): Text {
  return { en: make('en'), ko: make('ko') }
}
