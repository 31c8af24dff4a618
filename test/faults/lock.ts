// The stack's run lock as the simulator keeps it: what a fault case reads to see who holds it.
import { leaseName } from '../../lib/tools/lease.ts'
import type { Cluster } from '../e2e/harness.ts'

const LEASES = { group: 'coordination.k8s.io', resource: 'leases' }

/** The name of stack monitoring's Lease (in namespace default). */
export const lockName = leaseName('monitoring')

/** Stack monitoring's Lease, if a run holds it (or left it). */
export const leaseOf = (c: Cluster) => c.sim.store.get(LEASES, 'default', lockName)
