import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiCacheHeader, ChatEndpoint } from '../common/http/chat-route.js';
import { abortOnDisconnect } from '../common/http/client-disconnect.js';
import { chatContext } from '../common/http/request-context.js';
import { ApiChatRequestBody, ApiChatResponses } from './chat-api.decorators.js';
import { CachedAnswerShortcut } from './cache/cached-answer.shortcut.js';
import type { ChatRouteBinding } from './chat-route-binding.js';
import { ChatResponseWriter } from './chat-response.writer.js';
import { collectCompletion } from './completion.js';
import { ChatService } from './chat.service.js';
import { ChatRequestDto } from './dto/chat-request.dto.js';
import { ChatCompletionResponseDto } from './dto/chat-response.dto.js';
import { responseFormat, toChatCommand, toChatCompletionResponse } from './chat-request.mapper.js';

@ApiTags('chat')
@ApiExtraModels(ChatCompletionResponseDto)
@Controller('chat')
export class ChatController {
  private readonly binding: ChatRouteBinding<ChatRequestDto>;

  constructor(
    private readonly chatService: ChatService,
    writer: ChatResponseWriter,
    shortcut: CachedAnswerShortcut,
  ) {
    this.binding = {
      route: 'chat',
      path: '/chat',
      body: ChatRequestDto,
      toCommand: toChatCommand,
      async respond(session, body, request, reply) {
        const format = responseFormat(body.stream, request.headers.accept);
        const includeReasoning = body.include_reasoning === true;
        if (format !== 'json') return writer.write(format, session, reply, { includeReasoning });
        const completion = await collectCompletion(session);
        if (completion.meta.cache) void reply.header('x-gateway-cache', completion.meta.cache);
        await reply.send(toChatCompletionResponse(completion, includeReasoning));
      },
    };
    shortcut.register(this.binding);
  }

  @Post()
  @HttpCode(200)
  @ChatEndpoint('chat')
  @ApiCacheHeader()
  @ApiOperation({
    summary: 'Chat with a model',
    description:
      'Picks a model by the rotation strategy (or the one named), checks its limits, falls back to another model on a limit or an upstream failure before the first token, and streams the answer.',
  })
  @ApiChatRequestBody()
  @ApiChatResponses()
  async chat(@Body() body: ChatRequestDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signal = abortOnDisconnect(reply);
    const command = { ...this.binding.toCommand(body), context: chatContext(request, 'chat') };
    await this.binding.respond(await this.chatService.start(command, signal), body, request, reply);
  }
}
