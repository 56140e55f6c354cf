import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Lifecycle } from './lifecycle.service.js';

/** Not ready from the moment shutdown begins, so the load balancer stops sending requests. */
@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly lifecycle: Lifecycle,
  ) {}

  check(key: string) {
    const session = this.health.check(key);
    return this.lifecycle.draining ? session.down({ state: 'shutting down' }) : session.up({ state: 'serving' });
  }
}
