import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from 'pino';
import { ChatRequestLog } from './chat-request-log.js';
import { GATEWAY_LOG } from './gateway-log.js';

/** The structured log: the pino logger for whoever needs it, and the per-request chat line. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(log: Logger): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: GATEWAY_LOG, useValue: log }, ChatRequestLog],
      exports: [GATEWAY_LOG],
    };
  }
}
