import { readFileSync } from 'node:fs';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Min,
  MinLength,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { EnvironmentError } from '../config/environment.js';
import { KEY_NAME_PATTERN, KEY_NAME_RULE, type AccessKeyEntry } from './access-key.js';

class KeyLimitsRules {
  @IsOptional() @IsInt() @Min(1) requestsPerMinute?: number;
  @IsOptional() @IsInt() @Min(1) tokensPerDay?: number;
}

class AccessKeyRules {
  @Matches(KEY_NAME_PATTERN, { message: `name must be ${KEY_NAME_RULE}` })
  name: string;

  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be the SHA-256 of the key as 64 lowercase hex digits (npm run keys:new prints it)' })
  sha256: string;

  @IsOptional() @IsObject() @ValidateNested() @Type(() => KeyLimitsRules)
  limits?: KeyLimitsRules;

  // An empty list would lock the key out of everything: leave `models` out to allow every model.
  @IsOptional() @IsArray() @ArrayNotEmpty() @ArrayUnique() @IsString({ each: true }) @MinLength(1, { each: true })
  models?: string[];

  @IsOptional() @IsBoolean()
  admin?: boolean;
}

/**
 * A GATEWAY_API_KEYS file that cannot be used. An environment error: it names the variable, and
 * main.ts prints it without a stack trace, as it does for a bad variable.
 */
export class AccessKeysError extends EnvironmentError {}

function describe(errors: ValidationError[], path: string): string[] {
  return errors.flatMap((error) => {
    const field = `${path}.${error.property}`;
    const { whitelistValidation, ...rest } = error.constraints ?? {};
    const own = [
      ...(Object.keys(rest).length > 0 ? [`${field}: ${Object.values(rest).join('; ')}`] : []),
      // class-validator's wording ("should not exist") hides that it is a typo more likely than not.
      ...(whitelistValidation ? [`${field}: unknown field`] : []),
    ];
    return [...own, ...describe(error.children ?? [], field)];
  });
}

/**
 * Validates the entries of a keys file; errors name the entry (index and name) and the field,
 * never a hash. Duplicate names or hashes are errors: a name must say whose key it is.
 */
export function validateAccessKeys(raw: unknown, source: string): AccessKeyEntry[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new AccessKeysError(`${source}: expected a non-empty JSON array of key entries ({ "name", "sha256", "limits"?, "models"?, "admin"? })`);
  }
  const problems: string[] = [];
  const names = new Map<string, number>();
  const hashes = new Map<string, number>();
  raw.forEach((entry: unknown, index) => {
    const name = isPlainObject(entry) && typeof entry.name === 'string' ? entry.name : undefined;
    const label = `entry ${index}${name ? ` (${name})` : ''}`;
    if (!isPlainObject(entry)) {
      problems.push(`${label}: expected an object`);
      return;
    }
    const rules = plainToInstance(AccessKeyRules, entry);
    problems.push(...describe(validateSync(rules, { whitelist: true, forbidNonWhitelisted: true }), label));
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) problems.push(`${label}: the name is already used by entry ${first}`);
      else names.set(name, index);
    }
    if (typeof entry.sha256 === 'string') {
      const first = hashes.get(entry.sha256);
      if (first !== undefined) problems.push(`${label}: same sha256 as entry ${first} (one key, two names)`);
      else hashes.set(entry.sha256, index);
    }
  });
  if (problems.length > 0) throw new AccessKeysError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  return raw as AccessKeyEntry[];
}

/** The keys in force: none (the gateway is open) when GATEWAY_API_KEYS is unset. */
export function loadAccessKeys(keysFile: string | undefined): AccessKeyEntry[] | null {
  if (!keysFile) return null;
  const source = `GATEWAY_API_KEYS=${keysFile}`;
  let text: string;
  try {
    text = readFileSync(keysFile, 'utf8');
  } catch (error) {
    throw new AccessKeysError(`${source}: cannot read (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message can quote the text around the mistake, i.e. a hash: only the position is kept.
    const position = /position \d+/.exec((error as Error).message)?.[0];
    throw new AccessKeysError(`${source}: not valid JSON${position ? ` (at ${position})` : ''}`);
  }
  return validateAccessKeys(parsed, source);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
