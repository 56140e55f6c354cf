import { timingSafeEqual } from 'node:crypto';
import type { ModelCatalog } from '../config/model-catalog.js';
import { accessKeyDigest, type AccessKeyEntry, type AccessKeyLimits } from './access-key.js';
import { AccessKeysError } from './access-keys.loader.js';

/** A client's key as the gateway holds it: its name, the digest of the key, its limits and models. */
export interface AccessKey {
  name: string;
  limits: Readonly<AccessKeyLimits>;
  /** Null: every model. */
  models: readonly string[] | null;
  /** May read every client's traffic (@AdminOnly() routes). */
  admin: boolean;
}

interface StoredKey extends AccessKey {
  digest: Buffer;
}

/** The keys of GATEWAY_API_KEYS; with none, the gateway is open. */
export class AccessKeys {
  /** Whether requests must present a key. */
  readonly required: boolean;
  private readonly keys: readonly StoredKey[];

  /** `null`: GATEWAY_API_KEYS is unset. */
  constructor(entries: readonly AccessKeyEntry[] | null) {
    this.required = entries !== null;
    this.keys = (entries ?? []).map((entry) => ({
      name: entry.name,
      digest: Buffer.from(entry.sha256, 'hex'),
      limits: { ...entry.limits },
      models: entry.models ?? null,
      admin: entry.admin === true,
    }));
  }

  /** Every key, without its digest. */
  get all(): AccessKey[] {
    return this.keys.map(({ name, limits, models, admin }) => ({ name, limits, models, admin }));
  }

  /**
   * The key whose digest matches the presented key's, or null. The presented key is hashed first,
   * so every comparison is of two 32-byte digests, and it is compared with every entry in constant
   * time, with no early exit: how long this takes depends on the number of keys alone, never on
   * how close a guess came. (A Map keyed by the hex digest would be as safe in practice, since a
   * caller cannot steer a SHA-256, but would need that argument; this needs none.)
   */
  identify(presented: string): AccessKey | null {
    const digest = accessKeyDigest(presented);
    let found: StoredKey | null = null;
    for (const key of this.keys) {
      const matches = timingSafeEqual(digest, key.digest);
      if (matches) found = key;
    }
    return found && { name: found.name, limits: found.limits, models: found.models, admin: found.admin };
  }

  /**
   * Throws when a key allows a model the catalog does not have: a typo there would refuse every
   * request of that client with 403, so it stops start-up instead.
   */
  checkModels(catalog: ModelCatalog, source: string): void {
    const known = new Set(catalog.deployments.flatMap((deployment) => [deployment.model, deployment.key]));
    const problems = this.keys.flatMap((key) =>
      (key.models ?? [])
        .filter((model) => !known.has(model))
        .map((model) => `key ${key.name}: models has "${model}", which is neither a model id nor a provider/id in the catalog`),
    );
    if (problems.length > 0) throw new AccessKeysError(`${source} is invalid:\n  ${problems.join('\n  ')}`);
  }
}
