import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/http/admin.decorator.js';
import { DashboardService } from './dashboard.service.js';
import { DashboardDataDto } from './dto/dashboard-data.dto.js';

@ApiTags('operations')
@AdminOnly()
@Controller('dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get('data')
  @ApiOperation({
    summary: 'The dashboard\'s data',
    description:
      'Every deployment\'s state and windows (as GET /models and GET /usage report them), this replica\'s last 100 chat requests (never content or keys) and its traffic per minute over the last 15 minutes. With GATEWAY_API_KEYS set it needs an admin key.',
  })
  getData(): Promise<DashboardDataDto> {
    return this.dashboard.data();
  }
}
