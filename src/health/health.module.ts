import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ModelsModule } from '../models/models.module.js';
import { HealthController } from './health.controller.js';
import { ModelsHealthIndicator } from './models-health.indicator.js';

@Module({
  imports: [TerminusModule, ModelsModule],
  controllers: [HealthController],
  providers: [ModelsHealthIndicator],
})
export class HealthModule {}
