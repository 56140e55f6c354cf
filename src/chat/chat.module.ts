import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { AttemptOpener } from './attempt-opener.js';
import { CachedAnswerShortcut } from './cache/cached-answer.shortcut.js';
import { RESPONSE_CACHE, responseCacheProvider } from './cache/response-cache.provider.js';
import { ChatResponseWriter } from './chat-response.writer.js';
import { ChatController } from './chat.controller.js';
import { ChatService } from './chat.service.js';
import { StreamRelay } from './stream-relay.js';

@Module({
  imports: [ModelsModule, ProvidersModule, UsageModule],
  controllers: [ChatController],
  providers: [ChatService, AttemptOpener, StreamRelay, ChatResponseWriter, responseCacheProvider, CachedAnswerShortcut],
  exports: [ChatService, RESPONSE_CACHE, CachedAnswerShortcut],
})
export class ChatModule {}
