import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiCacheHeader, ChatEndpoint } from '../common/http/chat-route.js';
import { abortOnDisconnect } from '../common/http/client-disconnect.js';
import { chatContext } from '../common/http/request-context.js';
import { ApiChatRequestBody, ApiChatResponses } from './chat-api.decorators.js';
import { ChatResponseWriter } from './chat-response.writer.js';
import { ChatService } from './chat.service.js';
import { ChatRequestDto } from './dto/chat-request.dto.js';
import { ChatCompletionResponseDto } from './dto/chat-response.dto.js';
import { responseFormat, toChatCommand, toChatCompletionResponse } from './chat-request.mapper.js';

@ApiTags('chat')
@ApiExtraModels(ChatCompletionResponseDto)
@Controller('chat')
export class ChatController {
  constructor(
    private readonly chatService: ChatService,
    private readonly writer: ChatResponseWriter,
  ) {}

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
  async chat(
    @Body() body: ChatRequestDto,
    @Headers('accept') accept: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const signal = abortOnDisconnect(reply);
    const format = responseFormat(body.stream, accept);
    const command = { ...toChatCommand(body), context: chatContext(request, 'chat') };
    const includeReasoning = body.include_reasoning === true;
    if (format === 'json') {
      const completion = await this.chatService.complete(command, signal);
      if (completion.meta.cache) void reply.header('x-gateway-cache', completion.meta.cache);
      await reply.send(toChatCompletionResponse(completion, includeReasoning));
      return;
    }
    await this.writer.write(format, await this.chatService.start(command, signal), reply, { includeReasoning });
  }
}
