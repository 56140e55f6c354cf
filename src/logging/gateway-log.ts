import type { Writable } from 'node:stream';
import type { LoggerService } from '@nestjs/common';
import { pino, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevelName } from '../config/environment.js';

/** The injection token of the gateway's pino logger. */
export const GATEWAY_LOG = Symbol('GATEWAY_LOG');

export interface GatewayLogOptions {
  level: LogLevelName;
  /** `auto`: readable lines on a terminal, one JSON object per line otherwise (collectors). */
  format: LogFormat;
  /** Where lines go; stdout by default. */
  destination?: Writable;
  /** Whether a person reads the destination; by default, whether stdout is a terminal. */
  terminal?: boolean;
}

/** One JSON object per line, with `time` in ISO 8601 and `level` as a word. */
export function createGatewayLog({ level, format, destination, terminal }: GatewayLogOptions): Logger {
  const options = {
    level,
    base: { service: 'llm-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  const readable = format === 'pretty' || (format === 'auto' && (terminal ?? (!destination && process.stdout.isTTY === true)));
  // Synchronous pretty-printing, not a worker-thread transport: a person reads it as it happens.
  if (readable) return pino(options, pretty({ destination: destination ?? process.stdout, sync: true, ignore: 'pid,hostname,service' }));
  if (destination) return pino(options, destination);
  // JSON to stdout without a blocking write per line (lines written meanwhile leave together);
  // pino flushes what is left synchronously when the process exits.
  return pino(options, pino.destination({ dest: process.stdout.fd, sync: false }));
}

/** Nest's start-up inventory: the modules it loaded and the routes it mapped. */
const FRAMEWORK_CHATTER = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Nest's own messages (start-up, errors, module logs) through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    // A line per module and per route at every start says nothing an operator acts on.
    this.write(FRAMEWORK_CHATTER.has(rest.at(-1) as string) ? 'debug' : 'info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Nest passes the context last, and for errors a stack before it. */
  private write(level: Level, message: unknown, rest: unknown[]): void {
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack = level === 'error' && typeof rest[0] === 'string' && rest.length === 2 ? rest[0] : undefined;
    const fields = { ...(context ? { context } : {}), ...(stack ? { stack } : {}) };
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...fields, ...message });
    else this.pino[level](fields, String(message));
  }
}
