import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module.js';
import { ResponsesController } from './responses.controller.js';
import { responseItemMemoryProvider } from './response-item-memory.js';
import { ResponsesWriter } from './responses.writer.js';

/** OpenAI's Responses API (POST /v1/responses), served by the same chat service as POST /chat. */
@Module({
  imports: [ChatModule],
  controllers: [ResponsesController],
  providers: [ResponsesWriter, responseItemMemoryProvider],
})
export class ResponsesModule {}
