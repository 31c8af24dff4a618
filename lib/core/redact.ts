// Credentials in a URL (`https://user:password@mirror/…`) are never printed: every line the log
// writes passes through here. A shell variable in their place (`https://${VAR}@…`, what the
// printed bash script uses) is left as it is.

const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@$]+(?::[^/\s@]*)?@/gi

/** The text with every URL's user and password replaced by `***`. */
export function redactCredentials(text: string): string {
  return text.replace(USERINFO, '$1***@')
}

/** The user and password of a URL, when it has them (`user:password`), else undefined. */
export function credentialsOf(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/\s@]+)@/i.exec(url)
  return match?.[1]
}

/** The URL with its credentials replaced by a reference to a shell variable (double quotes needed). */
export function withCredentialsFrom(url: string, variable: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/i, `$1\${${variable}}@`)
}
