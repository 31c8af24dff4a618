// What the API serves of a resource (discovery, tables, validation), apart from registry.ts so that
// the built-in definitions can name these types without importing the registry that imports them.

export interface SubresourceDef {
  name: string
  kind: string
  group: string
  version: string
  verbs: string[]
}

export interface PrinterColumn {
  name: string
  type: string
  jsonPath: string
  description?: string
  priority?: number
  format?: string
}

export interface ResourceDef {
  group: string
  version: string
  resource: string
  kind: string
  singular: string
  namespaced: boolean
  shortNames: string[]
  verbs: string[]
  categories: string[]
  subresources: SubresourceDef[]
  /** a CRD's additionalPrinterColumns for this version (table output) */
  columns?: PrinterColumn[]
  /** set for custom resources: lists are atomic and patches are merge patches */
  custom?: boolean
}

export interface GroupInfo {
  group: string
  /** served versions, preferred first */
  versions: string[]
}
