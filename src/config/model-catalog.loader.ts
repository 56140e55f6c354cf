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

/** The catalog in force: MODELS_FILE when given, else the built-in one. */
export function loadModelCatalog(modelsFile: string | undefined): ModelEntry[] {
  if (!modelsFile) return validateModelCatalog(DEFAULT_MODELS, 'built-in catalog');
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
  return validateModelCatalog(parsed, `MODELS_FILE=${modelsFile}`);
}
