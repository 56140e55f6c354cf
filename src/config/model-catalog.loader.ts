import { readFileSync } from 'node:fs';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { DEFAULT_MODELS } from './default-catalog.js';
import type { ModelEntry } from './model-catalog.js';
import { ModelLimitsSchema } from './model-limits.dto.js';
import { ProviderConfigRules, type ProviderConfig } from './provider-config.js';

/** What a catalog file declares: extra (or redeclared) providers, and the models. */
export interface CatalogFile {
  providers: ProviderConfig[];
  models: ModelEntry[];
}

class DefaultsRules {
  @IsNumber() @Min(0) @Max(2) temperature: number;
  @IsInt() @Min(1) maxCompletionTokens: number;
  @IsNumber() @Min(0) @Max(1) topP: number;
}

class CapabilitiesRules {
  @IsOptional() @IsBoolean() tools?: boolean;
  @IsOptional() @IsBoolean() jsonSchema?: boolean;
}

class ModelEntryRules {
  @IsString() @MinLength(1) id: string;
  @IsOptional() @IsString() @MinLength(1) model?: string;
  @IsString() @MinLength(1) provider: string;
  @IsString() @MinLength(1) name: string;
  @IsBoolean() enabled: boolean;
  @IsInt() priority: number;
  @ValidateNested() @Type(() => ModelLimitsSchema) limits: ModelLimitsSchema;
  @ValidateNested() @Type(() => DefaultsRules) defaults: DefaultsRules;
  @IsOptional() @ValidateNested() @Type(() => CapabilitiesRules) capabilities?: CapabilitiesRules;
  @IsOptional() @IsInt() @Min(1) contextWindow?: number;
}

export class ModelCatalogError extends Error {
  override readonly name = 'ModelCatalogError';
}

function describe(errors: ValidationError[], path: string): string[] {
  return errors.flatMap((error) => {
    const field = `${path}.${error.property}`;
    const own = error.constraints
      ? [`${field}: ${Object.values(error.constraints).join('; ')}`]
      : [];
    return [...own, ...describe(error.children ?? [], field)];
  });
}

/** Validates a catalog; errors name the entry (index and id) and the field. */
export function validateModelCatalog(raw: unknown, source: string): ModelEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new ModelCatalogError(`${source}: expected a non-empty JSON array of model entries`);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const label = `entry ${index}${isNamed(entry) ? ` (${entry.id})` : ''}`;
    if (!isPlainObject(entry)) {
      problems.push(`${label}: expected an object`);
      return;
    }
    const rules = plainToInstance(ModelEntryRules, entry);
    const missingNested = (['limits', 'defaults'] as const).filter(
      (key) => !isPlainObject((entry as Record<string, unknown>)[key]),
    );
    problems.push(...missingNested.map((key) => `${label}.${key}: must be an object`));
    problems.push(...describe(validateSync(rules), label));
    const { id, provider } = entry as { id?: unknown; provider?: unknown };
    if (typeof id === 'string' && typeof provider === 'string') {
      const key = `${provider}/${id}`;
      if (seen.has(key)) problems.push(`${label}: duplicate deployment ${key}`);
      seen.add(key);
    }
  });
  if (problems.length > 0) {
    throw new ModelCatalogError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  }
  return raw as ModelEntry[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNamed(entry: unknown): entry is { id: string } {
  return typeof entry === 'object' && entry !== null && typeof (entry as { id?: unknown }).id === 'string';
}

/**
 * Validates the `providers` section of a catalog file: each entry's fields, unique names, a base
 * URL for `openai-compatible`, header values as strings.
 */
export function validateProviders(raw: unknown, source: string): ProviderConfig[] {
  if (!Array.isArray(raw)) throw new ModelCatalogError(`${source}: "providers" must be an array of provider entries`);
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.forEach((entry: unknown, index) => {
    const named = isPlainObject(entry) && typeof entry.name === 'string' ? ` (${entry.name})` : '';
    const label = `providers[${index}]${named}`;
    if (!isPlainObject(entry)) {
      problems.push(`${label}: expected an object`);
      return;
    }
    problems.push(...describe(validateSync(plainToInstance(ProviderConfigRules, entry), { forbidUnknownValues: false }), label));
    if (entry.kind === 'openai-compatible' && entry.baseUrl === undefined) problems.push(`${label}.baseUrl: required for kind "openai-compatible"`);
    if (isPlainObject(entry.headers) && Object.values(entry.headers).some((value) => typeof value !== 'string')) {
      problems.push(`${label}.headers: every value must be a string`);
    }
    if (typeof entry.name === 'string') {
      if (seen.has(entry.name)) problems.push(`${label}: duplicate provider ${entry.name}`);
      seen.add(entry.name);
    }
  });
  if (problems.length > 0) throw new ModelCatalogError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  return raw as ProviderConfig[];
}

/**
 * A catalog file's content: an array of model entries, or `{ "providers": [...], "models": [...] }`
 * (providers optional).
 */
export function validateCatalogFile(raw: unknown, source: string): CatalogFile {
  if (Array.isArray(raw)) return { providers: [], models: validateModelCatalog(raw, source) };
  if (!isPlainObject(raw)) throw new ModelCatalogError(`${source}: expected a JSON array of model entries, or an object with "models" (and "providers")`);
  const unknown = Object.keys(raw).filter((key) => key !== 'providers' && key !== 'models');
  if (unknown.length > 0) throw new ModelCatalogError(`${source}: unknown top-level field(s) ${unknown.join(', ')} (expected "providers" and "models")`);
  return {
    providers: raw.providers === undefined ? [] : validateProviders(raw.providers, source),
    models: validateModelCatalog(raw.models, source),
  };
}

/** The catalog in force: MODELS_FILE when given, else the built-in one. */
export function loadModelCatalog(modelsFile: string | undefined): CatalogFile {
  if (!modelsFile) return { providers: [], models: validateModelCatalog(DEFAULT_MODELS, 'built-in catalog') };
  let text: string;
  try {
    text = readFileSync(modelsFile, 'utf8');
  } catch (error) {
    throw new ModelCatalogError(`MODELS_FILE=${modelsFile}: cannot read (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelCatalogError(`MODELS_FILE=${modelsFile}: not valid JSON (${(error as Error).message})`);
  }
  return validateCatalogFile(parsed, `MODELS_FILE=${modelsFile}`);
}
