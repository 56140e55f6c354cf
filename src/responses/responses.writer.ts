import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import type { ChatCompletion, ChatSession } from '../chat/chat-command.js';
import { describeInterruption } from '../chat/stream-interruption.js';
import { ClientGoneError } from '../common/errors/gateway-errors.js';
import { RawStream } from '../common/http/raw-stream.js';
import type { Environment } from '../config/environment.js';
import { gatewayHeaders } from '../openai/openai-response.writer.js';
import { ResponseEventStream } from './response-event-stream.js';
import { completedResponse, newItemToken, responseHead, type OutputItem, type ResponseObject } from './response-objects.js';
import type { ResponseSettings } from './responses-request.mapper.js';

/** Writes answers in the format of OpenAI's Responses API. */
@Injectable()
export class ResponsesWriter {
  private readonly logger = new Logger(ResponsesWriter.name);
  private readonly keepaliveMs: number;
  private readonly writeTimeoutMs: number;

  constructor(config: ConfigService<Environment, true>) {
    this.keepaliveMs = config.get('SSE_KEEPALIVE_MS', { infer: true });
    this.writeTimeoutMs = config.get('CLIENT_WRITE_TIMEOUT_MS', { infer: true });
  }

  /** A whole answer as a `response` object, with the gateway's headers set on the reply. */
  response(completion: ChatCompletion, settings: ResponseSettings, reply: FastifyReply): ResponseObject {
    void reply.headers(gatewayHeaders(completion.meta));
    return completedResponse(completion, settings);
  }

  /**
   * The Responses API's stream events, ending with `response.completed` (or `response.incomplete`
   * when the answer stopped on its token limit). A failure after the first event closes the open
   * items as incomplete and ends with `response.failed`, never `response.completed`. `finished`
   * is given the items of an answer that ended (completed or incomplete), and awaited before the
   * last events are written.
   */
  async stream(session: ChatSession, settings: ResponseSettings, reply: FastifyReply, finished: (items: readonly OutputItem[]) => Promise<void> = async () => undefined): Promise<void> {
    const out = new RawStream(reply, 'text/event-stream; charset=utf-8', {
      keepaliveMs: this.keepaliveMs,
      keepaliveText: ': ping\n\n',
      writeTimeoutMs: this.writeTimeoutMs,
      headers: gatewayHeaders(session.meta),
    });
    const head = responseHead(session.meta, session.deployment, settings, Math.floor(Date.now() / 1000));
    const events = new ResponseEventStream(head, newItemToken(), settings.summarise);
    let text = events.start();
    try {
      for await (const batch of session.events) {
        let done = false;
        for (const event of batch) {
          text += events.push(event);
          if (event.type === 'done') done = true;
        }
        // The last batch and the end leave in one write (a cached answer: the whole response).
        if (done) {
          // Before the last bytes: once they are read, the client may refer to the items.
          await finished(events.items);
          return out.end(text);
        }
        if (!out.write(text)) await out.drained();
        text = '';
      }
      out.end(text);
    } catch (error) {
      if (error instanceof ClientGoneError) return out.destroy();
      const { message } = describeInterruption(error, this.logger);
      out.end(text + events.fail(message));
    }
  }
}
