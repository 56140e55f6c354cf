import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CachedAnswerShortcut } from '../chat/cache/cached-answer.shortcut.js';
import type { ChatRouteBinding } from '../chat/chat-route-binding.js';
import { ChatService } from '../chat/chat.service.js';
import { collectCompletion } from '../chat/completion.js';
import { ApiCacheHeader, ChatEndpoint } from '../common/http/chat-route.js';
import { abortOnDisconnect } from '../common/http/client-disconnect.js';
import { chatContext } from '../common/http/request-context.js';
import { ChatCompletionRequestDto } from './dto/chat-completion-request.dto.js';
import { OpenAiErrorResponseDto, OpenAiModelDto, OpenAiModelListDto } from './dto/chat-completion-response.dto.js';
import { ApiChatCompletionRequestBody, ApiChatCompletionResponses } from './openai-api.decorators.js';
import { OpenAiModelsService } from './openai-models.service.js';
import { toChatCommand } from './openai-request.mapper.js';
import { OpenAiResponseWriter } from './openai-response.writer.js';

/** The OpenAI-compatible API: point the `openai` SDK's baseURL at `<gateway>/v1`. */
@ApiTags('openai')
@Controller('v1')
export class OpenAiController {
  private readonly binding: ChatRouteBinding<ChatCompletionRequestDto>;

  constructor(
    private readonly chatService: ChatService,
    writer: OpenAiResponseWriter,
    private readonly models: OpenAiModelsService,
    shortcut: CachedAnswerShortcut,
  ) {
    this.binding = {
      route: 'openai',
      path: '/v1/chat/completions',
      body: ChatCompletionRequestDto,
      toCommand: toChatCommand,
      async respond(session, body, _request, reply) {
        if (body.stream) return writer.stream(session, body.stream_options?.include_usage ?? false, reply);
        const completion = await collectCompletion(session);
        writer.setGatewayHeaders(reply, completion.meta);
        await reply.send(writer.completion(completion));
      },
    };
    shortcut.register(this.binding);
  }

  @Post('chat/completions')
  @HttpCode(200)
  @ChatEndpoint('openai')
  @ApiCacheHeader()
  @ApiOperation({
    summary: 'Create a chat completion (OpenAI-compatible)',
    description:
      'OpenAI\'s chat-completions API over the same rotation, limits and failover as POST /chat. `model` is a model id, `provider/id`, or `auto`.',
  })
  @ApiChatCompletionRequestBody()
  @ApiChatCompletionResponses()
  async createChatCompletion(@Body() body: ChatCompletionRequestDto, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const signal = abortOnDisconnect(reply);
    const command = { ...this.binding.toCommand(body), context: chatContext(request, 'openai') };
    await this.binding.respond(await this.chatService.start(command, signal), body, request, reply);
  }

  /** The models that can serve now: each public model id once, then each deployment as `provider/id`. */
  @Get('models')
  listOpenAiModels(@Req() request: FastifyRequest): OpenAiModelListDto {
    return this.models.list(request.client?.allowedModels ?? null);
  }

  /** One model of GET /v1/models: a public model id, or `provider/id` (URL-encoded, as the `openai` SDK sends it). */
  @Get('models/:model')
  @ApiOkResponse({ type: OpenAiModelDto })
  @ApiParam({ name: 'model', description: 'A public model id or `provider/id`, e.g. `gpt-oss-120b` or `groq%2Fopenai%2Fgpt-oss-120b`.', example: 'gpt-oss-120b' })
  @ApiNotFoundResponse({ description: 'Not a model that can serve now (for this access key).', type: OpenAiErrorResponseDto })
  retrieveOpenAiModel(@Param('model') id: string, @Req() request: FastifyRequest): OpenAiModelDto {
    return this.models.retrieve(id, request.client?.allowedModels ?? null);
  }

  /** The same with the slashes of `provider/id` left as they are (`/v1/models/groq/openai/gpt-oss-120b`). */
  @Get('models/*')
  @ApiExcludeEndpoint()
  retrieveOpenAiModelByPath(@Param('*') id: string, @Req() request: FastifyRequest): OpenAiModelDto {
    return this.models.retrieve(id, request.client?.allowedModels ?? null);
  }
}
