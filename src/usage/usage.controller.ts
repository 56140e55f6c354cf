import { AdminOnly } from '../common/http/admin.decorator.js';
import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { UsageReportDto } from './dto/usage-report.dto.js';
import { UsageService } from './usage.service.js';

@ApiTags('usage')
@AdminOnly()
@Controller('usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  /** Requests and tokens per model in the current minute, hour and UTC day, next to the limits; totals since start. */
  @Get()
  getUsage(): Promise<UsageReportDto> {
    return this.usage.report();
  }
}
