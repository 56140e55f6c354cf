import type { Server } from 'node:http';
import { PayloadTooLargeException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Ample for MAX_MESSAGES messages with their fields, a large JSON schema and every parameter. */
export const MIN_MAX_JSON_VALUES = 65_536;

/**
 * Fastify's JSON parser behind a cheap count of the body's values. JSON.parse's cost grows with
 * the number of values, not the bytes: 2 MB of tiny values (60,000 messages, 100,000 keys) holds
 * the one event loop for tens of milliseconds, 2 MB of text in a few strings hardly at all. A body
 * with more values than any real request has is refused with 413 before it is parsed, after a
 * byte scan (test/hostile/clients.hostile-spec.ts holds other clients' p99 under 100 ms meanwhile).
 */
export function registerJsonBodyParser(app: NestFastifyApplication, maxValues: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<Server>('application/json', { bodyLimit: fastify.initialConfig.bodyLimit }, (request, body, done) => {
    if (exceedsJsonValues(body, maxValues)) {
      done(new PayloadTooLargeException(`The request body has more than ${maxValues} JSON values.`), undefined);
      return;
    }
    // Fastify's parser completes through `done`; it returns nothing to wait for.
    void parse(request, body as unknown as string, done);
  });
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const BRACE = 0x7b;
const BRACKET = 0x5b;

/**
 * True when the text holds more than `max` values, counted as the commas and opening brackets
 * outside strings (an element after the first follows a comma; each object or array is one more).
 * Stops counting at `max`; malformed JSON is left for the parser to reject.
 */
export function exceedsJsonValues(bytes: Uint8Array, max: number): boolean {
  // Each counted value takes a byte: a body this short cannot hold too many (most requests).
  if (bytes.length <= max) return false;
  let count = 0;
  let inString = false;
  // Byte by byte: no byte of a multi-byte UTF-8 sequence is below 0x80, so none is taken for a quote.
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i];
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if ((code === COMMA || code === BRACE || code === BRACKET) && ++count > max) {
      return true;
    }
  }
  return false;
}
