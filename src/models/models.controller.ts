import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
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

  /** Every model in the catalog: availability, configured limits, the provider's reported limits, cooldown. */
  @Get('models')
  listModels(): Promise<ModelsResponseDto> {
    return this.models.list();
  }
}
