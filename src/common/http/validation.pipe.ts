import { ValidationPipe, type ArgumentMetadata, type PipeTransform, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import 'reflect-metadata';
import { NOT_COMPILED, validateCompiled } from './compiled-validation.js';

const DROPS_UNKNOWN_FIELDS = Symbol('dropsUnknownFields');

/**
 * Marks a request body class whose unknown fields are left out (and named, see
 * `droppedFieldsOf`) instead of refused: for APIs whose clients send fields other gateways or
 * newer API versions define.
 */
export function DropsUnknownFields(): ClassDecorator {
  return (target) => Reflect.defineMetadata(DROPS_UNKNOWN_FIELDS, true, target);
}

function dropsUnknownFields(type: object): boolean {
  return Reflect.getMetadata(DROPS_UNKNOWN_FIELDS, type) === true;
}

/**
 * A body as the pipe would return it, when the compiled path accepts it (every field known, every
 * rule met); null otherwise, and then only the pipe can say what is wrong with it.
 */
export function compiledBody<T extends object>(type: abstract new (...args: never[]) => T, value: unknown): T | null {
  const validated = validateCompiled(type, value, !dropsUnknownFields(type));
  return validated === NOT_COMPILED ? null : (validated as T);
}

const droppedFields = new WeakMap<object, string[]>();

/** The unknown fields left out of a validated body (`messages[].foo` for nested ones); empty if none. */
export function droppedFieldsOf(body: object): string[] {
  return droppedFields.get(body) ?? [];
}

/**
 * class-validator's pipe, strict by default (an unknown field is a 400 naming it), lenient for
 * bodies marked with @DropsUnknownFields. A body the compiled fast path accepts (known fields
 * only, every rule met) skips the libraries' generic machinery; every other body goes through
 * them, for their errors and their stripping.
 */
export class GatewayValidationPipe implements PipeTransform {
  private readonly strict: ValidationPipe;
  private readonly lenient: ValidationPipe;

  constructor(exceptionFactory: (errors: ValidationError[]) => unknown) {
    memoiseRuleLookup();
    const options = { whitelist: true, transform: true, exceptionFactory };
    this.strict = new ValidationPipe({ ...options, forbidNonWhitelisted: true });
    this.lenient = new ValidationPipe({ ...options, forbidNonWhitelisted: false });
  }

  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const lenient = metadata.type === 'body' && metadata.metatype !== undefined && dropsUnknownFields(metadata.metatype);
    if (metadata.type === 'body' && metadata.metatype) {
      const validated = validateCompiled(metadata.metatype, value, !lenient);
      if (validated !== NOT_COMPILED) return validated;
    }
    if (!lenient) return this.strict.transform(value, metadata);
    const result: unknown = await this.lenient.transform(value, metadata);
    if (typeof result === 'object' && result !== null) {
      const dropped = new Set<string>();
      collectDropped(value, result, '', dropped);
      if (dropped.size > 0) droppedFields.set(result, [...dropped]);
    }
    return result;
  }
}

/** The paths of the fields of `raw` that validation stripped from `validated`. */
function collectDropped(raw: unknown, validated: unknown, path: string, into: Set<string>): void {
  if (typeof raw !== 'object' || raw === null || typeof validated !== 'object' || validated === null) return;
  if (Array.isArray(raw)) {
    if (!Array.isArray(validated)) return;
    raw.forEach((item, index) => collectDropped(item, validated[index], `${path}[]`, into));
    return;
  }
  // Only class instances were whitelisted; a free-form object (a JSON schema) is kept whole.
  if (Object.getPrototypeOf(validated) === Object.prototype) return;
  for (const [key, child] of Object.entries(raw)) {
    const childPath = path ? `${path}.${key}` : key;
    if (!(key in validated)) into.add(childPath);
    else collectDropped(child, (validated as Record<string, unknown>)[key], childPath, into);
  }
}

let memoised = false;

/**
 * class-validator looks a class's rules up on every object it validates, filtering every rule of
 * every class it knows and testing the class against each of them for inheritance: a cost that
 * grows with the number of DTOs and is paid per request, per message. A class's rules are fixed
 * once the class is defined (decorators run then), so the lookup is remembered per class and
 * options. Lookups with groups (none here) are left to class-validator.
 */
function memoiseRuleLookup(): void {
  if (memoised) return;
  memoised = true;
  const storage = getMetadataStorage();
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const remembered = new WeakMap<object, Map<string, ReturnType<typeof lookUp>>>();
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (groups?.length || typeof target !== 'function') return lookUp(target, schema, always, strictGroups, groups);
    let byOptions = remembered.get(target);
    if (!byOptions) remembered.set(target, (byOptions = new Map()));
    const key = `${schema}|${always}|${strictGroups}`;
    let rules = byOptions.get(key);
    if (!rules) byOptions.set(key, (rules = lookUp(target, schema, always, strictGroups, groups)));
    return rules;
  };
}
