import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CachedAnswerShortcut } from '../chat/cache/cached-answer.shortcut.js';
import type { ChatRouteBinding } from '../chat/chat-route-binding.js';
import { ChatService } from '../chat/chat.service.js';
import { collectCompletion } from '../chat/completion.js';
import { ApiCacheHeader, ChatEndpoint } from '../common/http/chat-route.js';
import { abortOnDisconnect } from '../common/http/client-disconnect.js';
import { chatContext } from '../common/http/request-context.js';
import { ResponseCreateRequestDto } from './dto/response-request.dto.js';
import { ApiResponseRequestBody, ApiResponsesResponses } from './responses-api.decorators.js';
import { responseSettings, toResponsesCommand } from './responses-request.mapper.js';
import { ResponseItemMemory } from './response-item-memory.js';
import type { OutputItem } from './response-objects.js';
import { ResponsesWriter } from './responses.writer.js';

/** OpenAI's Responses API, stateless, over the same chat service as POST /chat. */
@ApiTags('openai')
@Controller('v1')
export class ResponsesController {
  private readonly binding: ChatRouteBinding<ResponseCreateRequestDto>;

  constructor(
    private readonly chatService: ChatService,
    writer: ResponsesWriter,
    private readonly items: ResponseItemMemory,
    shortcut: CachedAnswerShortcut,
  ) {
    this.binding = {
      route: 'responses',
      path: '/v1/responses',
      body: ResponseCreateRequestDto,
      toCommand: toResponsesCommand,
      async respond(session, body, request, reply) {
        const settings = responseSettings(body);
        // The items sent can come back by reference (item_reference) in the client's next request.
        const remember = (output: readonly OutputItem[]) => items.remember(request.client?.name ?? null, output);
        if (body.stream) return writer.stream(session, settings, reply, remember);
        const response = writer.response(await collectCompletion(session), settings, reply);
        await remember(response.output);
        await reply.send(response);
      },
    };
    shortcut.register(this.binding);
  }

  @Post('responses')
  @HttpCode(200)
  @ChatEndpoint('responses')
  @ApiCacheHeader()
  @ApiOperation({
    summary: 'Create a response (OpenAI Responses API, stateless)',
    description:
      "OpenAI's Responses API over the same rotation, limits, failover and response cache as POST /chat, for clients that default to it (the Vercel AI SDK's `openai(model)`, `openai.responses.create`, the Agents SDK). No response is stored (`store: false`), so `previous_response_id` is refused: send the whole conversation in `input`, where the message and function_call items the gateway sent the same key in the last hour may come back as `item_reference`s. `model` is a model id, `provider/id`, or `auto`.",
  })
  @ApiResponseRequestBody()
  @ApiResponsesResponses()
  async createResponse(@Body() body: ResponseCreateRequestDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signal = abortOnDisconnect(reply);
    body.input = await this.items.expand(body.input, request.client?.name ?? null);
    const command = { ...this.binding.toCommand(body), context: chatContext(request, 'responses') };
    await this.binding.respond(await this.chatService.start(command, signal), body, request, reply);
  }
}
