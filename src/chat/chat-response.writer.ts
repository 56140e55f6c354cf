import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import { ClientGoneError } from '../common/errors/gateway-errors.js';
import { RawStream, sseEvent } from '../common/http/raw-stream.js';
import type { Environment } from '../config/environment.js';
import type { ChatSession } from './chat-command.js';
import { describeInterruption } from './stream-interruption.js';

export type StreamFormat = 'sse' | 'text';

/** Writes a started answer to the client as SSE events or as plain text. */
@Injectable()
export class ChatResponseWriter {
  private readonly logger = new Logger(ChatResponseWriter.name);
  private readonly keepaliveMs: number;
  private readonly writeTimeoutMs: number;

  constructor(config: ConfigService<Environment, true>) {
    this.keepaliveMs = config.get('SSE_KEEPALIVE_MS', { infer: true });
    this.writeTimeoutMs = config.get('CLIENT_WRITE_TIMEOUT_MS', { infer: true });
  }

  write(format: StreamFormat, session: ChatSession, reply: FastifyReply, options: { includeReasoning?: boolean } = {}): Promise<void> {
    reply.header('x-request-id', session.meta.requestId);
    if (session.meta.cache) reply.header('x-gateway-cache', session.meta.cache);
    return format === 'sse' ? this.sse(session, reply, options.includeReasoning ?? false) : this.text(session, reply);
  }

  /** meta, (reasoning...,) delta..., then done; or error (and no done) if the answer breaks off. */
  private async sse(session: ChatSession, reply: FastifyReply, includeReasoning: boolean): Promise<void> {
    const out = new RawStream(reply, 'text/event-stream; charset=utf-8', {
      keepaliveMs: this.keepaliveMs,
      keepaliveText: ': ping\n\n',
      writeTimeoutMs: this.writeTimeoutMs,
    });
    // meta leaves with the first deltas, in one write.
    const { requestId, model, provider, attempts, cache } = session.meta;
    let text = sseEvent('meta', cache ? { requestId, model, provider, attempts, cache } : { requestId, model, provider, attempts });
    try {
      for await (const batch of session.events) {
        let done = false;
        for (const event of batch) {
          if (event.type === 'delta') text += `event: delta\ndata: {"content":${JSON.stringify(event.content)}}\n\n`;
          else if (event.type === 'reasoning') text += includeReasoning ? sseEvent('reasoning', { text: event.text }) : '';
          else if (event.type === 'done') {
            text += sseEvent('done', { finishReason: event.finishReason, usage: event.usage });
            done = true;
          }
        }
        // The last batch and the end leave in one write (a cached answer: the whole response).
        if (done) {
          out.end(text);
          text = '';
          continue;
        }
        if (!text) continue;
        const flowing = out.write(text);
        text = '';
        if (!flowing) await out.drained();
      }
      out.end();
    } catch (error) {
      if (error instanceof ClientGoneError) return out.destroy();
      const { code, message } = describeInterruption(error, this.logger);
      out.write(text + sseEvent('error', { code, message }));
      out.end();
    }
  }

  /** The content only; a failure resets the connection instead of ending it cleanly. */
  private async text(session: ChatSession, reply: FastifyReply): Promise<void> {
    const out = new RawStream(reply, 'text/plain; charset=utf-8', { writeTimeoutMs: this.writeTimeoutMs });
    // A provider may split a surrogate pair across two frames; encoded apart, each half would
    // become U+FFFD. A trailing high surrogate waits for the next write.
    let held = '';
    try {
      for await (const batch of session.events) {
        let text = held;
        for (const event of batch) if (event.type === 'delta') text += event.content;
        held = endsWithHighSurrogate(text) ? text.slice(-1) : '';
        if (held) text = text.slice(0, -1);
        if (text && !out.write(text)) await out.drained();
      }
      if (held) out.write(held);
      out.end();
    } catch (error) {
      if (!(error instanceof ClientGoneError)) describeInterruption(error, this.logger);
      out.destroy();
    }
  }
}

function endsWithHighSurrogate(text: string): boolean {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff;
}
