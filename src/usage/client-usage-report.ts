import type { ClientLimits } from './limit-store.js';

/** One access key's usage as GET /usage reports it; times in epoch ms. */
export interface ClientUsageSnapshot {
  name: string;
  limits: Readonly<ClientLimits>;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  rejected: number;
  minute: { start: number; end: number; requests: number };
  day: { start: number; end: number; tokens: number };
}

/**
 * Where GET /usage finds each access key's usage. The access module provides it; usage only
 * knows this port, so imports run from access to usage and never back.
 */
export abstract class ClientUsageReport {
  /** Every key in file order; empty when the gateway is open. */
  abstract snapshot(): Promise<ClientUsageSnapshot[]>;
}
