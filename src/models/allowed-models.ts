import type { Deployment } from '../config/model-catalog.js';

/**
 * Whether an access key's model list lets it use `deployment`: a public model id allows every
 * deployment of that model, `provider/id` that one deployment; null (no list) allows all.
 */
export function allows(allowed: readonly string[] | null, deployment: Deployment): boolean {
  return allowed === null || allowed.includes(deployment.model) || allowed.includes(deployment.key);
}
