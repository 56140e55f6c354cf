import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ModelCatalogService } from '../models/model-catalog.service.js';

/** Ready when at least one configured provider has a model that can serve. Never calls an LLM. */
@Injectable()
export class ModelsHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly catalog: ModelCatalogService,
  ) {}

  check(key: string) {
    const session = this.health.check(key);
    const servable = this.catalog.servable().length;
    if (servable > 0) return session.up({ servable });
    const missing = this.catalog.missingKeyVariables();
    return session.down({
      servable,
      message: missing.length > 0 ? `no model can serve; set ${missing.join(' or ')}` : 'no model can serve',
    });
  }
}
