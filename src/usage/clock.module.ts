import { Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';

/** The one Clock every window, cooldown and circuit reads time from. */
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class ClockModule {}
