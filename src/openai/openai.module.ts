import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module.js';
import { ModelsModule } from '../models/models.module.js';
import { OpenAiController } from './openai.controller.js';
import { OpenAiModelsService } from './openai-models.service.js';
import { OpenAiResponseWriter } from './openai-response.writer.js';

/** OpenAI-compatible routes under /v1, served by the same chat service as POST /chat. */
@Module({
  imports: [ChatModule, ModelsModule],
  controllers: [OpenAiController],
  providers: [OpenAiResponseWriter, OpenAiModelsService],
})
export class OpenAiModule {}
