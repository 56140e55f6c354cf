import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';

/** The app's metrics in the Prometheus text format. */
@Injectable()
export class MetricsService {
  constructor(private readonly registry: Registry) {}

  get contentType(): string {
    return this.registry.contentType;
  }

  scrape(): Promise<string> {
    return this.registry.metrics();
  }
}
