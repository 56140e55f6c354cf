import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import type { ChatCompletion, ChatMeta, ChatSession } from '../chat/chat-command.js';
import { describeInterruption } from '../chat/stream-interruption.js';
import { ClientGoneError } from '../common/errors/gateway-errors.js';
import { RawStream } from '../common/http/raw-stream.js';
import type { Environment } from '../config/environment.js';
import type { TokenUsage, ToolCallDelta } from '../providers/provider-adapter.js';
import type { ChatCompletionDto, CompletionUsageDto } from './dto/chat-completion-response.dto.js';

const DONE = 'data: [DONE]\n\n';

/** How many dropped parameters the header names; the rest are counted. */
const MAX_DROPPED_NAMED = 32;

/**
 * The value of `x-gateway-dropped-params`: the names, comma-separated. A name is whatever the client
 * sent as a JSON key, so anything outside visible ASCII (and `%`, `,`) is %-encoded as UTF-8; a
 * header must stay a header.
 */
export function droppedParamsHeader(names: readonly string[]): string {
  const safe = names.slice(0, MAX_DROPPED_NAMED).map((name) => name.replace(/[^\x21-\x7e]|[%,]/gu, percentEncode));
  const more = names.length - safe.length;
  return more > 0 ? `${safe.join(', ')}, ... (${more} more)` : safe.join(', ');
}

/** A character as %-escaped UTF-8; a lone surrogate (which has none) as U+FFFD's. */
function percentEncode(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return '%EF%BF%BD';
  }
}

/** The response headers that name the deployment that answered (and what was left out, and the cache's part). */
export function gatewayHeaders(meta: ChatMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'x-request-id': meta.requestId,
    'x-gateway-model': meta.model,
    'x-gateway-provider': meta.provider,
    'x-gateway-attempts': String(meta.attempts.length + 1),
  };
  if (meta.droppedParameters.length > 0) headers['x-gateway-dropped-params'] = droppedParamsHeader(meta.droppedParameters);
  if (meta.cache) headers['x-gateway-cache'] = meta.cache;
  return headers;
}

function toUsage(usage: TokenUsage): CompletionUsageDto {
  return { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens };
}

function data(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Writes answers in OpenAI's chat-completions format. */
@Injectable()
export class OpenAiResponseWriter {
  private readonly logger = new Logger(OpenAiResponseWriter.name);
  private readonly keepaliveMs: number;
  private readonly writeTimeoutMs: number;

  constructor(config: ConfigService<Environment, true>) {
    this.keepaliveMs = config.get('SSE_KEEPALIVE_MS', { infer: true });
    this.writeTimeoutMs = config.get('CLIENT_WRITE_TIMEOUT_MS', { infer: true });
  }

  /** Which deployment served, and how many were tried. */
  setGatewayHeaders(reply: FastifyReply, meta: ChatMeta): void {
    void reply.headers(gatewayHeaders(meta));
  }

  completion({ meta, deployment, content, reasoning, toolCalls, finishReason, usage }: ChatCompletion): ChatCompletionDto {
    const message: ChatCompletionDto['choices'][number]['message'] = { role: 'assistant', content, refusal: null };
    if (reasoning !== undefined) message.reasoning = reasoning;
    if (toolCalls) message.tool_calls = toolCalls;
    return {
      id: `chatcmpl-${meta.requestId}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: deployment.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage: toUsage(usage),
    };
  }

  /**
   * `chat.completion.chunk` frames, then `data: [DONE]`. A failure after the first chunk sends
   * an error frame and no `[DONE]`, so the client sees the answer is incomplete.
   */
  async stream(session: ChatSession, includeUsage: boolean, reply: FastifyReply): Promise<void> {
    const out = new RawStream(reply, 'text/event-stream; charset=utf-8', {
      keepaliveMs: this.keepaliveMs,
      keepaliveText: ': ping\n\n',
      writeTimeoutMs: this.writeTimeoutMs,
      headers: gatewayHeaders(session.meta),
    });
    // Every chunk starts with the same id, object, created and model: serialised once per stream.
    const head = `data: {"id":${JSON.stringify(`chatcmpl-${session.meta.requestId}`)},"object":"chat.completion.chunk","created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(session.deployment.model)}`;
    const choiceChunk = (delta: string, finishReason: string): string =>
      `${head},"choices":[{"index":0,"delta":${delta},"finish_reason":${finishReason}}]}\n\n`;
    const contentChunk = (content: string): string =>
      `${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;
    let first = true;
    // The first chunk carries the role, whichever kind of output comes first.
    const delta = (fields: { content?: string; reasoning?: string; tool_calls?: ToolCallDelta[] }): string => {
      const text = choiceChunk(JSON.stringify(first ? { role: 'assistant', ...fields } : fields), 'null');
      first = false;
      return text;
    };
    try {
      for await (const batch of session.events) {
        let text = '';
        let done = false;
        for (const event of batch) {
          switch (event.type) {
            case 'delta':
              text += first ? delta({ content: event.content }) : contentChunk(event.content);
              break;
            case 'reasoning':
              text += delta({ reasoning: event.text });
              break;
            case 'tool_calls':
              text += delta({ tool_calls: event.calls });
              break;
            case 'done':
              text += choiceChunk('{}', JSON.stringify(event.finishReason));
              if (includeUsage) text += `${head},"choices":[],"usage":${JSON.stringify(toUsage(event.usage))}}\n\n`;
              text += DONE;
              done = true;
          }
        }
        // The last batch and the end leave in one write (a cached answer: the whole response).
        if (done) out.end(text);
        else if (!out.write(text)) await out.drained();
      }
      out.end();
    } catch (error) {
      if (error instanceof ClientGoneError) return out.destroy();
      const { code, message } = describeInterruption(error, this.logger);
      out.write(data({ error: { message, type: 'api_error', code, param: null } }));
      out.end();
    }
  }
}
