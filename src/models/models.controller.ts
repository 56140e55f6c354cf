import { Controller, Get, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { GatewayStatusDto, ModelsResponseDto } from './dto/model-view.dto.js';
import { ModelsService } from './models.service.js';

@ApiTags('models')
@Controller()
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** Gateway status and the models that can serve now. */
  @Get()
  getStatus(): GatewayStatusDto {
    return this.models.status();
  }

  /**
   * Every model in the catalog (with an access key limited to some models: those): availability,
   * configured limits, the provider's reported limits, cooldown.
   */
  @Get('models')
  listModels(@Req() request: FastifyRequest): Promise<ModelsResponseDto> {
    return this.models.list(request.client?.allowedModels ?? null);
  }
}
