import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { ClockModule } from '../usage/clock.module.js';
import { ModelCatalogService } from './model-catalog.service.js';
import { LatencyEstimates } from './latency-estimates.js';
import { ModelDiscovery } from './model-discovery.service.js';
import { ModelOfferings } from './model-offerings.js';
import { ModelSelector } from './model-selector.service.js';
import { ModelsController } from './models.controller.js';
import { ModelsService } from './models.service.js';
import { rotationStrategyProvider } from './strategies/rotation-strategy.provider.js';

@Module({
  imports: [ProvidersModule, UsageModule, ClockModule],
  controllers: [ModelsController],
  providers: [ModelCatalogService, ModelOfferings, ModelDiscovery, LatencyEstimates, ModelSelector, ModelsService, rotationStrategyProvider],
  exports: [ModelCatalogService, ModelSelector, ModelsService],
})
export class ModelsModule {}
