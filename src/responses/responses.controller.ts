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
import { ResponsesWriter } from './responses.writer.js';

/** OpenAI's Responses API, stateless, over the same chat service as POST /chat. */
@ApiTags('openai')
@Controller('v1')
export class ResponsesController {
  private readonly binding: ChatRouteBinding<ResponseCreateRequestDto>;

  constructor(
    private readonly chatService: ChatService,
    writer: ResponsesWriter,
    shortcut: CachedAnswerShortcut,
  ) {
    this.binding = {
      route: 'responses',
      path: '/v1/responses',
      body: ResponseCreateRequestDto,
      toCommand: toResponsesCommand,
      async respond(session, body, _request, reply) {
        const settings = responseSettings(body);
        if (body.stream) return writer.stream(session, settings, reply);
        await reply.send(writer.response(await collectCompletion(session), settings, reply));
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
      "OpenAI's Responses API over the same rotation, limits, failover and response cache as POST /chat, for clients that default to it (the Vercel AI SDK's `openai(model)`, `openai.responses.create`, the Agents SDK). Stateless: nothing is stored (`store: false`), so `previous_response_id` is refused; send the whole conversation in `input`. `model` is a model id, `provider/id`, or `auto`.",
  })
  @ApiResponseRequestBody()
  @ApiResponsesResponses()
  async createResponse(@Body() body: ResponseCreateRequestDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signal = abortOnDisconnect(reply);
    const command = { ...this.binding.toCommand(body), context: chatContext(request, 'responses') };
    await this.binding.respond(await this.chatService.start(command, signal), body, request, reply);
  }
}
