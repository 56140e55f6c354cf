import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { ChatTelemetry, type ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { GATEWAY_LOG } from './gateway-log.js';

/**
 * One line per chat request, when it ends: who asked, which model answered after how many
 * attempts, tokens, time to first token, duration and outcome. Never message content or a key.
 */
@Injectable()
export class ChatRequestLog implements OnModuleInit {
  constructor(
    private readonly telemetry: ChatTelemetry,
    @Inject(GATEWAY_LOG) private readonly log: Logger,
  ) {}

  onModuleInit(): void {
    this.telemetry.subscribe({ requestFinished: (summary) => this.write(summary) });
  }

  private write(summary: ChatRequestSummary): void {
    const line = {
      requestId: summary.requestId,
      route: summary.route,
      client: summary.client,
      requestedModel: summary.requestedModel,
      provider: summary.deployment?.provider ?? null,
      model: summary.deployment?.model ?? null,
      attempts: summary.attempts,
      promptTokens: summary.promptTokens,
      completionTokens: summary.completionTokens,
      timeToFirstTokenMs: summary.timeToFirstTokenMs === null ? null : Math.round(summary.timeToFirstTokenMs),
      durationMs: Math.round(summary.durationMs),
      outcome: summary.outcome,
      errorCode: summary.errorCode,
    };
    // Failures an operator should look at are warnings; a client's own mistakes and hang-ups are not.
    const level = summary.outcome === 'failed' || summary.outcome === 'interrupted' ? 'warn' : 'info';
    this.log[level](line, 'chat request');
  }
}
