import { Global, Module } from '@nestjs/common';
import { Lifecycle } from './lifecycle.service.js';

/** Graceful shutdown, for whoever must refuse or cut off work while it runs. */
@Global()
@Module({
  providers: [Lifecycle],
  exports: [Lifecycle],
})
export class LifecycleModule {}
