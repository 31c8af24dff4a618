// The JSONPath subset CRD printer columns use: `.status.phase`, `.spec.items[0].name`,
// `.items[*].name`, `.status.conditions[?(@.type=="Ready")].status`.

/** Every value the path selects (empty when nothing matches). */
export function evalJsonPath(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root]
  for (const step of tokenize(path.replace(/^\{|\}$/g, '').replace(/^\$/, ''))) {
    current = current.flatMap((v) => apply(v, step))
  }
  return current.filter((v) => v !== undefined)
}

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string; value: string } }

function tokenize(path: string): Step[] {
  const steps: Step[] = []
  const re = /\.([^.[\]]+)|\[\?\(@\.([^=!<>]+?)\s*==\s*["']?([^"'\]]*?)["']?\)\]|\[(\d+)\]|\[\*\]/g
  let m: RegExpExecArray | null
  while ((m = re.exec(path))) {
    if (m[1] !== undefined) steps.push({ field: m[1] })
    else if (m[2] !== undefined) steps.push({ filter: { path: m[2], value: m[3] } })
    else if (m[4] !== undefined) steps.push({ index: Number(m[4]) })
    else steps.push({ all: true })
  }
  return steps
}

function apply(v: any, step: Step): unknown[] {
  if (v === null || v === undefined) return []
  if ('field' in step) return [v[step.field]]
  if ('index' in step) return Array.isArray(v) ? [v[step.index]] : []
  if ('all' in step) return Array.isArray(v) ? v : Object.values(v)
  if (!Array.isArray(v)) return []
  const { path, value } = step.filter
  return v.filter((item) => String(evalJsonPath(item, `.${path}`)[0]) === value)
}
