import { createRequire } from 'node:module';
import { TransformationType, type ClassTransformOptions, type TransformFnParams } from 'class-transformer';
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import 'reflect-metadata';

/**
 * The hot request bodies validated without class-transformer's and class-validator's generic
 * machinery, from the same decorators: the rules, their validate functions, @Type and @Transform
 * are read once per class from the libraries' own metadata, so there is one source of truth for
 * validation and the OpenAPI document.
 *
 * It is a fast path, not a second validator: it returns what `plainToInstance` followed by
 * `validate` (whitelist on) would return for a body they accept, and NOT_COMPILED for anything
 * else (an unknown field, a failed rule, an async rule): the caller then runs the libraries,
 * which produce the errors, strip what they strip and name what they name. Property tests
 * (compiled-validation.spec.ts) hold the two equal.
 */
export const NOT_COMPILED = Symbol('not compiled');

type Class = abstract new (...args: never[]) => object;
type Instantiable = new () => object;

interface ValidationMetadata {
  type: string;
  target: Class | string;
  propertyName: string;
  constraints: unknown[];
  constraintCls?: Class;
  each?: boolean;
}
interface ConstraintMetadata {
  async: boolean;
  readonly instance: { validate(value: unknown, args: ValidationArguments): unknown };
}
interface TypeMetadata {
  typeFunction?: (options: unknown) => unknown;
  reflectedType: unknown;
  options?: { discriminator?: unknown };
}
interface TransformMetadata {
  transformFn: (params: TransformFnParams) => unknown;
  options?: { groups?: string[]; since?: number; until?: number };
}
interface TransformerStorage {
  findTypeMetadata(target: Class, property: string): TypeMetadata | undefined;
  findTransformMetadatas(target: Class, property: string, type: TransformationType): TransformMetadata[];
  getStrategy(target: Class): string;
  getExposedMetadatas(target: Class): unknown[];
  getExcludedMetadatas(target: Class): unknown[];
}

// class-transformer keeps @Type and @Transform in the storage of its CommonJS build, the one its
// public entry (and Nest's ValidationPipe) loads; it does not export it from there.
const transformerStorage = (createRequire(import.meta.url)('class-transformer/cjs/storage.js') as { defaultMetadataStorage: TransformerStorage })
  .defaultMetadataStorage;

/** plainToInstance's options as Nest's ValidationPipe calls it (no transformOptions): what @Transform functions see. */
const TRANSFORM_OPTIONS: ClassTransformOptions = {
  enableCircularCheck: false,
  enableImplicitConversion: false,
  excludeExtraneousValues: false,
  excludePrefixes: undefined,
  exposeDefaultValues: false,
  exposeUnsetFields: true,
  groups: undefined,
  ignoreDecorators: false,
  strategy: undefined,
  targetMaps: undefined,
  version: undefined,
};

interface CustomRule {
  metadata: ValidationMetadata;
  constraints: ConstraintMetadata[];
}

interface PropertyRules {
  name: string;
  conditions: Array<(object: object, value: unknown) => boolean>;
  rules: CustomRule[];
  /** How many @ValidateNested the property has (each one validates its value again). */
  nested: number;
}

interface PropertyPlan {
  /** The @Type target, resolved when first used. */
  type: (() => Class | undefined) | null;
  transforms: TransformMetadata[];
}

/** One class's rules, read once from the libraries' metadata. */
interface CompiledClass {
  create: () => object;
  /** Every property with a rule; validation keeps only these (whitelist). */
  properties: PropertyRules[];
  validated: Set<string>;
  /** How each known input field is turned into the instance's property. */
  plans: Map<string, PropertyPlan>;
}

const compiled = new WeakMap<object, CompiledClass | null>();

/**
 * The validated instance of `type` for `body`, or NOT_COMPILED when the libraries must decide.
 * `strict`: unknown fields are errors (forbidNonWhitelisted); otherwise the libraries strip them.
 */
export function validateCompiled(type: Class, body: unknown, strict: boolean): object | typeof NOT_COMPILED {
  if (!isPlainObject(body)) return NOT_COMPILED;
  const instance = toInstance(type, body);
  if (instance === NOT_COMPILED) return NOT_COMPILED;
  return validInstance(instance, strict) ? instance : NOT_COMPILED;
}

function compile(type: object): CompiledClass | null {
  let entry = compiled.get(type);
  if (entry !== undefined) return entry;
  entry = typeof type === 'function' ? build(type as Class) : null;
  compiled.set(type, entry);
  return entry;
}

function build(type: Class): CompiledClass | null {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(type as never, undefined as never, false, false, undefined) as unknown as ValidationMetadata[];
  // forbidUnknownValues: an object of a class without rules is refused; rules registered by schema name are not handled here.
  if (metadatas.length === 0 || metadatas.some((metadata) => typeof metadata.target === 'string')) return null;
  // @Expose / @Exclude and exposure strategies change which keys are copied: left to the library.
  if (transformerStorage.getStrategy(type) !== 'none' || transformerStorage.getExposedMetadatas(type).length || transformerStorage.getExcludedMetadatas(type).length) return null;

  const byName = new Map<string, PropertyRules>();
  for (const metadata of metadatas) {
    let property = byName.get(metadata.propertyName);
    if (!property) byName.set(metadata.propertyName, (property = { name: metadata.propertyName, conditions: [], rules: [], nested: 0 }));
    switch (metadata.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        property.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
        break;
      case ValidationTypes.IS_DEFINED:
      case ValidationTypes.CUSTOM_VALIDATION:
        property.rules.push({
          metadata,
          constraints: storage.getTargetValidatorConstraints(metadata.constraintCls as never) as unknown as ConstraintMetadata[],
        });
        break;
      case ValidationTypes.NESTED_VALIDATION:
        property.nested += 1;
        break;
      case ValidationTypes.WHITELIST:
        break;
      default:
        // Promise validation and anything newer: the library's own executor.
        return null;
    }
  }

  const plans = new Map<string, PropertyPlan>();
  for (const name of byName.keys()) {
    // class-transformer skips these keys, and a getter or method of the class would be skipped too.
    if (name === '__proto__' || name === 'constructor' || Object.getOwnPropertyDescriptor(type.prototype, name)) return null;
    const typeMetadata = transformerStorage.findTypeMetadata(type, name);
    if (typeMetadata?.options?.discriminator || typeMetadata?.reflectedType === Map || typeMetadata?.reflectedType === Set) return null;
    // A @Type whose function reads its arguments (the object being built) may answer differently per body: not cached here.
    if ((typeMetadata?.typeFunction?.length ?? 0) > 0) return null;
    const transforms = transformerStorage
      .findTransformMetadatas(type, name, TransformationType.PLAIN_TO_CLASS)
      .filter((metadata) => !metadata.options?.groups?.length);
    if (transforms.some((metadata) => metadata.options?.since !== undefined || metadata.options?.until !== undefined)) return null;
    plans.set(name, { type: typeMetadata ? resolveType(typeMetadata) : null, transforms });
  }
  return {
    create: () => new (type as unknown as Instantiable)(),
    properties: [...byName.values()],
    validated: new Set(byName.keys()),
    plans,
  };
}

/** A @Type target that is a class with rules of its own; anything else (String, Date, ...) leaves the body to the library. */
function resolveType(metadata: TypeMetadata): () => Class | undefined {
  let resolved: Class | undefined | null = null;
  return () => {
    if (resolved === null) {
      const target = metadata.typeFunction ? metadata.typeFunction({}) : metadata.reflectedType;
      resolved = typeof target === 'function' && compile(target) ? (target as Class) : undefined;
    }
    return resolved;
  };
}

/** plainToInstance for a body of known fields only; NOT_COMPILED at the first unknown field. */
function toInstance(type: Class, body: Record<string, unknown>): object | typeof NOT_COMPILED {
  const compiledClass = compile(type);
  if (!compiledClass) return NOT_COMPILED;
  const instance = compiledClass.create() as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    const plan = compiledClass.plans.get(key);
    if (!plan) return NOT_COMPILED;
    let target: Class | undefined;
    if (plan.type) {
      target = plan.type();
      if (!target) return NOT_COMPILED;
    }
    let value = convert(body[key], target);
    if (value === NOT_COMPILED) return NOT_COMPILED;
    for (const transform of plan.transforms) {
      value = transform.transformFn({ value, key, obj: body, type: TransformationType.PLAIN_TO_CLASS, options: TRANSFORM_OPTIONS });
    }
    instance[key] = value;
  }
  return instance;
}

/** A JSON value as class-transformer copies it: arrays and objects anew, objects of a @Type as instances. */
function convert(value: unknown, target: Class | undefined): unknown {
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const item of value) {
      const converted = convert(item, target);
      if (converted === NOT_COMPILED) return NOT_COMPILED;
      copy.push(converted);
    }
    return copy;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (!isPlainObject(value)) return NOT_COMPILED;
  if (target) return toInstance(target, value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // class-transformer drops these keys silently; the library path decides what that means.
    if (key === '__proto__' || key === 'constructor') return NOT_COMPILED;
    const converted = convert(value[key], undefined);
    if (converted === NOT_COMPILED) return NOT_COMPILED;
    copy[key] = converted;
  }
  return copy;
}

/** class-validator's executor on one instance, for the answer "valid" only; false for anything else. */
function validInstance(instance: object, strict: boolean): boolean {
  const compiledClass = compile(instance.constructor);
  if (!compiledClass) return false;
  const record = instance as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (compiledClass.validated.has(key)) continue;
    if (strict) return false;
    delete record[key];
  }
  for (const property of compiledClass.properties) {
    const value = record[property.name];
    if (!property.conditions.every((condition) => condition(instance, value))) continue;
    for (const rule of property.rules) if (!passes(rule, instance, value)) return false;
    if (value === undefined) continue;
    for (let count = 0; count < property.nested; count++) if (!validNested(value, strict)) return false;
  }
  return true;
}

function validNested(value: unknown, strict: boolean): boolean {
  if (Array.isArray(value)) return value.every((item) => validNested(item, strict));
  return value instanceof Object && validInstance(value, strict);
}

function passes({ metadata, constraints }: CustomRule, object: object, value: unknown): boolean {
  const args: ValidationArguments = {
    targetName: object.constructor.name,
    property: metadata.propertyName,
    object,
    value,
    constraints: metadata.constraints,
  };
  // class-validator validates each item of a Set or Map too: not something a JSON body holds.
  if (metadata.each && (value instanceof Set || value instanceof Map)) return false;
  const each = metadata.each === true && Array.isArray(value);
  for (const { instance } of constraints) {
    if (each ? !(value as unknown[]).every((item) => accepted(instance.validate(item, args))) : !accepted(instance.validate(value, args))) return false;
  }
  return true;
}

/** A rule's answer: truthy passes; a rule that answers later (async) is left to the library, which awaits it. */
function accepted(result: unknown): boolean {
  return result === true || (Boolean(result) && typeof (result as Promise<unknown>).then !== 'function');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}
