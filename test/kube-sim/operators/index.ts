// Operators a cluster runs once their charts are in, simulated: started on a sim by whoever
// simulates such a cluster (startSim starts none of them). Each writes through the sim's HTTP API.
export { startCertManager, type CertManagerOptions } from './cert-manager.ts'
export { startPrometheusOperator } from './prometheus-operator.ts'
