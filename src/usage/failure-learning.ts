import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Environment } from '../config/environment.js';
import { ModelCatalog, type Deployment } from '../config/model-catalog.js';
import type { RateLimitSnapshot } from '../providers/rate-limit-headers.js';
import type { UpstreamError } from '../providers/upstream-error.js';
import { ChatTelemetry } from '../telemetry/chat-telemetry.js';
import { UsageTracker } from './usage-tracker.service.js';

/**
 * What an upstream answer teaches about deployments, for routing the next requests: the limits
 * the provider reports, a 429's cooldown, a model that is gone, a key that is rejected.
 */
@Injectable()
export class FailureLearning {
  private readonly defaultCooldownMs: number;

  constructor(
    config: ConfigService<Environment, true>,
    private readonly catalog: ModelCatalog,
    private readonly tracker: UsageTracker,
    private readonly telemetry: ChatTelemetry,
  ) {
    this.defaultCooldownMs = config.get('DEFAULT_COOLDOWN_MS', { infer: true });
  }

  /** What a failure teaches about the deployment. */
  learn(deployment: Deployment, failure: UpstreamError): void {
    if (failure.details.rateLimit) this.recordProviderReport(deployment, failure.details.rateLimit);
    if (failure.kind === 'rate_limited') {
      this.tracker.coolDown(deployment.key, failure.details.retryAfterMs ?? this.defaultCooldownMs);
    } else if (failure.kind === 'model_unavailable') {
      this.tracker.markUnavailable(deployment.key, `${failure.message}; skipped until restart`);
    } else if (failure.kind === 'auth') {
      // The key is the provider's, not the model's: none of that provider's deployments can use it.
      for (const sibling of this.catalog.deployments) {
        if (sibling.provider !== deployment.provider) continue;
        this.tracker.markUnavailable(sibling.key, `${deployment.provider} rejected the API key; skipped until restart`);
      }
    }
  }

  /** The limits the provider reported in a response's headers, whether it answered or refused. */
  recordProviderReport(deployment: Deployment, report: RateLimitSnapshot): void {
    this.tracker.recordProviderRateLimit(deployment.key, report);
    this.telemetry.emit('providerReported', deployment, report);
  }
}
