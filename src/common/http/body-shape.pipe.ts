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
 * Checks a JSON body for what the ValidationPipe after it cannot handle: nesting deeper than
 * MAX_BODY_DEPTH (class-transformer and class-validator recurse once per level, and a few
 * thousand levels overflow the stack) and property names it would drop.
 */
export class BodyShapePipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || typeof value !== 'object' || value === null) return value;
    const problem = findProblem(value);
    if (problem) {
      throw new RequestInvalidError(`Invalid request. ${problem.field}: ${problem.errors.join(', ')}.`, { fields: [problem] });
    }
    return value;
  }
}

interface Container {
  value: object;
  /** Dotted path, as the validation errors name fields. */
  path: string;
  /** The top-level field it sits under. */
  top: string;
  depth: number;
}

/** Iterative, so a deep body cannot overflow the stack here either. */
function findProblem(body: object): { field: string; errors: string[] } | undefined {
  const pending: Container[] = [{ value: body, path: '', top: '', depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    for (const [key, child] of Object.entries(next.value)) {
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
