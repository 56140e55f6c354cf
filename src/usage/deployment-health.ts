import type { Deployment } from '../config/model-catalog.js';
import type { UpstreamErrorKind } from '../providers/upstream-error.js';
import { CircuitBreaker, circuitVerdict, type CircuitBreakerSettings, type CircuitSnapshot, type CircuitTicket } from './circuit-breaker.js';
import type { Clock } from './clock.js';
import type { AdmissionGate, AttemptOutcome, Reservation } from './limit-store.js';

const CLOSED_CIRCUIT: CircuitSnapshot = { state: 'closed', openUntil: null, probeInFlight: false, recentFailures: 0, recentAttempts: 0 };

interface Health {
  unavailableReason: string | null;
  /** Null when the circuit breaker is turned off. */
  circuit: CircuitBreaker | null;
}

/**
 * What this replica learned of each deployment's health: a circuit breaker over its recent
 * failures, and whether it was found unusable until restart. The gate in front of its limits.
 */
export class DeploymentHealth implements AdmissionGate {
  private readonly byKey = new Map<string, Health>();

  /** Without circuit breaker settings (null) no circuit ever opens. */
  constructor(
    private readonly clock: Clock,
    private readonly circuitSettings: CircuitBreakerSettings | null,
  ) {}

  refusal(deployment: Deployment): { retryAt: number; reason: string } | null {
    const { circuit } = this.health(deployment.key);
    const retryAt = circuit?.blockedUntil() ?? null;
    return retryAt === null ? null : { retryAt, reason: describeOpenCircuit(circuit!.snapshot()) };
  }

  admit(deployment: Deployment): CircuitTicket | null {
    const { circuit } = this.health(deployment.key);
    // A shared store may admit what a probe took meanwhile: such a request goes without a ticket.
    return circuit && circuit.blockedUntil() === null ? circuit.admit() : null;
  }

  withdrawn(reservation: Reservation): void {
    if (reservation.circuitTicket) this.health(reservation.deploymentKey).circuit?.record(reservation.circuitTicket, 'neutral');
  }

  /** Tells the circuit how the attempt went; `failure` says whether a failed one was the deployment's fault. */
  settled(reservation: Reservation, outcome: AttemptOutcome, failure?: UpstreamErrorKind): void {
    if (reservation.circuitTicket) {
      this.health(reservation.deploymentKey).circuit?.record(reservation.circuitTicket, circuitVerdict(outcome, failure));
    }
  }

  circuit(key: string): CircuitSnapshot {
    return this.health(key).circuit?.snapshot() ?? CLOSED_CIRCUIT;
  }

  markUnavailable(key: string, reason: string): void {
    this.health(key).unavailableReason = reason;
  }

  clearUnavailable(key: string): void {
    this.health(key).unavailableReason = null;
  }

  unavailableReason(key: string): string | null {
    return this.health(key).unavailableReason;
  }

  private health(key: string): Health {
    let health = this.byKey.get(key);
    if (!health) {
      health = { unavailableReason: null, circuit: this.circuitSettings ? new CircuitBreaker(this.circuitSettings, this.clock) : null };
      this.byKey.set(key, health);
    }
    return health;
  }
}

/** Why an open (or probing) circuit refuses a request. */
export function describeOpenCircuit(circuit: CircuitSnapshot): string {
  if (circuit.state === 'half_open') return 'circuit half-open: a probe request is in flight';
  const failed = circuit.recentAttempts > 0 ? ` (${circuit.recentFailures} of the last ${circuit.recentAttempts} requests failed)` : '';
  return `circuit open after repeated upstream failures${failed}; probed again at ${new Date(circuit.openUntil!).toISOString()}`;
}
