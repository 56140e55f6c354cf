// The kernel's counts of connections that found an accept queue full and of SYN retransmits
// (Linux, this network namespace). A connection that met either waited a second or more, which
// shows up as a latency tail or a slow ramp that is not the processes' own doing.
import { readFileSync } from 'node:fs';

export interface TcpCounters {
  listenOverflows: number;
  synRetransmits: number;
}

/** null where /proc/net/netstat cannot be read (not Linux). */
export function tcpCounters(): TcpCounters | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/).map(Number);
    const get = (name: string) => values[names.indexOf(name)] ?? Number.NaN;
    return { listenOverflows: get('ListenOverflows'), synRetransmits: get('TCPSynRetrans') };
  } catch {
    return null;
  }
}

export function tcpDelta(before: TcpCounters | null, after: TcpCounters | null): TcpCounters | null {
  if (!before || !after) return null;
  return { listenOverflows: after.listenOverflows - before.listenOverflows, synRetransmits: after.synRetransmits - before.synRetransmits };
}
