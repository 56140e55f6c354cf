import { Global, Module } from '@nestjs/common';
import { ChatTelemetry } from './chat-telemetry.js';

/** The chat service reports here; metrics, logs and per-key accounting subscribe. */
@Global()
@Module({
  providers: [ChatTelemetry],
  exports: [ChatTelemetry],
})
export class TelemetryModule {}
