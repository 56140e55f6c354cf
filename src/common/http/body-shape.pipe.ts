import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { RequestInvalidError } from '../errors/gateway-errors.js';

/** Ample for any `response_format` JSON schema; far below where validation would overflow the stack. */
export const MAX_BODY_DEPTH = 64;

/**
 * Names validation drops without a word: `constructor` and `prototype` (the ValidationPipe deletes
 * them), and every name objects inherit (class-transformer skips `toString`, `valueOf`, ...).
 * Refused, so a field is never silently ignored, nor removed from a JSON schema on its way to the
 * provider.
 */
const DROPPED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/**
 * Checks a JSON body for what the ValidationPipe after it cannot handle, cheaply: more messages
 * than MAX_MESSAGES, arrays and objects larger than any real request's (MAX_ARRAY_ITEMS,
 * MAX_OBJECT_KEYS: validation's cost grows with them, and faster than linearly), nesting deeper than
 * MAX_BODY_DEPTH (class-transformer and class-validator recurse once per level, and a few
 * thousand levels overflow the stack) and property names it would drop.
 */
export class BodyShapePipe implements PipeTransform {
  private readonly maxMessages: number;

  constructor(options: { maxMessages?: number } = {}) {
    this.maxMessages = options.maxMessages ?? Number.POSITIVE_INFINITY;
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || typeof value !== 'object' || value === null) return value;
    // Counted before anything walks the body: rejecting 60,000 messages must cost what rejecting
    // MAX_MESSAGES + 1 does, not a deep validation of each (seconds of one event loop).
    const { messages } = value as { messages?: unknown };
    if (Array.isArray(messages) && messages.length > this.maxMessages) {
      const field = { field: 'messages', errors: [`must contain at most ${this.maxMessages} messages`] };
      throw new RequestInvalidError('The request is too large.', { fields: [field] });
    }
    // A MAX_MESSAGES set above MAX_ARRAY_ITEMS still admits that many messages.
    const problem = findProblem(value, Math.max(MAX_ARRAY_ITEMS, Number.isFinite(this.maxMessages) ? this.maxMessages : 0));
    if (problem) {
      throw new RequestInvalidError(`Invalid request. ${problem.field}: ${problem.errors.join(', ')}.`, { fields: [problem] });
    }
    return value;
  }
}

/** Far above any real request (4 stop sequences, a few hundred messages or schema properties). */
export const MAX_ARRAY_ITEMS = 4_096;
/**
 * class-transformer's cost grows with the square of an object's keys (100,000 keys: seconds of
 * one event loop), so wide objects are refused before it runs.
 */
export const MAX_OBJECT_KEYS = 1_024;

interface Container {
  value: object;
  /** Dotted path, as the validation errors name fields. */
  path: string;
  /** The top-level field it sits under. */
  top: string;
  depth: number;
}

/** Iterative, so a deep body cannot overflow the stack here either. */
function findProblem(body: object, maxItems: number): { field: string; errors: string[] } | undefined {
  const pending: Container[] = [{ value: body, path: '', top: '', depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const field = next.path || 'body';
    // An array is sized before anything iterates it; an object by the entries walked next.
    if (Array.isArray(next.value) && next.value.length > maxItems) return { field, errors: [`${field} must contain at most ${maxItems} items`] };
    const entries = Object.entries(next.value);
    if (!Array.isArray(next.value) && entries.length > MAX_OBJECT_KEYS) {
      return { field, errors: [`${field} must have at most ${MAX_OBJECT_KEYS} properties`] };
    }
    for (const [key, child] of entries) {
      const path = next.depth === 1 ? key : `${next.path}.${key}`;
      if (DROPPED_NAMES.has(key)) return { field: path, errors: [`${key} is not a supported parameter`] };
      if (typeof child !== 'object' || child === null) continue;
      const top = next.depth === 1 ? key : next.top;
      if (next.depth + 1 > MAX_BODY_DEPTH) return { field: top, errors: [`${top} is nested more than ${MAX_BODY_DEPTH} levels deep`] };
      pending.push({ value: child, path, top, depth: next.depth + 1 });
    }
  }
  return undefined;
}
