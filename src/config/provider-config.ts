import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, ValidateNested } from 'class-validator';

export const PROVIDER_KINDS = ['groq', 'cerebras', 'openai-compatible'] as const;
/** Which SDK and dialect a provider is spoken to with. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const WINDOWS = ['minute', 'hour', 'day'] as const;
type Window = (typeof WINDOWS)[number];

/** A provider as a catalog file declares it (the `providers` section of MODELS_FILE). */
export interface ProviderConfig {
  /** The name models use in `provider` and in `provider/model` ids. */
  name: string;
  kind: ProviderKind;
  /** Required for `openai-compatible` (e.g. `http://localhost:11434/v1`); the SDK's own otherwise. */
  baseUrl?: string;
  /** The environment variable holding its key; none for a local server that needs none. */
  apiKeyVariable?: string;
  /** Sent with every request (e.g. OpenRouter's `HTTP-Referer`). */
  headers?: Record<string, string>;
  /** Overrides UPSTREAM_FIRST_TOKEN_TIMEOUT_MS for this provider (a local model may think longer). */
  firstTokenTimeoutMs?: number;
  /** Overrides UPSTREAM_IDLE_TIMEOUT_MS for this provider. */
  idleTimeoutMs?: number;
  /** Which window the `x-ratelimit-*` headers without a `-minute|-hour|-day` suffix describe (OpenAI's: both per minute). */
  rateLimitWindows?: { requests: Window; tokens: Window };
  /** OpenAI request parameters this provider refuses: left out and named in `x-gateway-dropped-params`. */
  unsupportedParameters?: string[];
}

/** A provider with its key read from the environment: what an adapter is built from. Never logged. */
export interface ProviderSettings extends ProviderConfig {
  apiKey?: string;
}

/** Groq and Cerebras, with their keys and base URLs from the environment, unless a catalog file redeclares them. */
export const BUILT_IN_PROVIDERS: readonly ProviderConfig[] = [
  { name: 'groq', kind: 'groq', apiKeyVariable: 'GROQ_API_KEY' },
  { name: 'cerebras', kind: 'cerebras', apiKeyVariable: 'CEREBRAS_API_KEY' },
];

class RateLimitWindowsRules {
  @IsIn(WINDOWS) requests: Window;
  @IsIn(WINDOWS) tokens: Window;
}

export class ProviderConfigRules {
  // Used in `provider/model` ids and Redis keys: no slash, no space.
  @IsString() @Matches(/^[a-z0-9][a-z0-9._-]*$/i, { message: 'name must be letters, digits, ".", "_" or "-"' }) name: string;
  @IsIn(PROVIDER_KINDS) kind: ProviderKind;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }) baseUrl?: string;
  @IsOptional() @IsString() @Matches(/^[A-Z_][A-Z0-9_]*$/, { message: 'apiKeyVariable must be an environment variable name (A-Z, 0-9, _)' })
  apiKeyVariable?: string;
  @IsOptional() @IsObject() headers?: Record<string, string>;
  @IsOptional() @IsInt() @Min(1) @Max(600_000) firstTokenTimeoutMs?: number;
  @IsOptional() @IsInt() @Min(1) @Max(600_000) idleTimeoutMs?: number;
  @IsOptional() @ValidateNested() @Type(() => RateLimitWindowsRules) rateLimitWindows?: RateLimitWindowsRules;
  @IsOptional() @IsString({ each: true }) @MinLength(1, { each: true }) unsupportedParameters?: string[];
}

/** Where resolveProviders reads keys and the built-in providers' base URLs. */
export interface ProviderEnvironment {
  /** Any variable a provider names as its key's; an empty value counts as unset. */
  variable(name: string): string | undefined;
  groqBaseUrl?: string;
  cerebrasBaseUrl?: string;
}

/**
 * The providers in force: Groq and Cerebras, then what the catalog file declares (an entry named
 * like a built-in one replaces it), each with its key read from the environment.
 */
export function resolveProviders(declared: readonly ProviderConfig[], env: ProviderEnvironment): ProviderSettings[] {
  const builtInUrls: Record<string, string | undefined> = { groq: env.groqBaseUrl, cerebras: env.cerebrasBaseUrl };
  const byName = new Map<string, ProviderConfig>(BUILT_IN_PROVIDERS.map((provider) => [provider.name, { ...provider, baseUrl: builtInUrls[provider.name] }]));
  for (const provider of declared) byName.set(provider.name, provider);
  return [...byName.values()].map((provider) => {
    const apiKey = provider.apiKeyVariable ? env.variable(provider.apiKeyVariable) : undefined;
    return apiKey ? { ...provider, apiKey } : { ...provider };
  });
}
