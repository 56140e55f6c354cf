import { createHash, randomBytes } from 'node:crypto';

/** Every access key starts with this, so a leaked one is easy to recognise (and to grep for). */
export const ACCESS_KEY_PREFIX = 'gwk_';

/** A key's name: what /usage and the logs show instead of the key. */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const KEY_NAME_RULE = '1 to 64 letters, digits, "-", "_" or "."';

/** The per-key limits a GATEWAY_API_KEYS entry may set; absent means unlimited. */
export interface AccessKeyLimits {
  /** Chat requests per fixed UTC minute. */
  requestsPerMinute?: number;
  /** Prompt plus completion tokens per UTC day. */
  tokensPerDay?: number;
}

/** One entry of the GATEWAY_API_KEYS file, as written there. */
export interface AccessKeyEntry {
  name: string;
  /** SHA-256 of the whole key string, 64 lowercase hex digits. */
  sha256: string;
  limits?: AccessKeyLimits;
  /** Public model ids or `provider/id` keys this key may use; absent: every model. */
  models?: string[];
  /** May read every client's traffic: /usage, /metrics, the dashboard. Absent: false. */
  admin?: boolean;
}

/** A new key: the prefix and 32 random bytes, base64url (256 bits, so a hash of it cannot be reversed). */
export function generateAccessKey(): string {
  return `${ACCESS_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The SHA-256 of the whole key string: what the file holds instead of the key. */
export function accessKeyDigest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function hashAccessKey(key: string): string {
  return accessKeyDigest(key).toString('hex');
}
