import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse, toOpenAiErrorBody } from './error-response.js';

/**
 * Sends every error in the documented shape: `{ error: { code, message } }`, or OpenAI's shape on
 * the OpenAI-compatible routes (/v1). Health reports from terminus pass through as they are.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const response = toErrorResponse(exception);
    const { status, body, headers } = response;
    if (status >= 500 && body.error.code === 'internal_error') {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const openAi = request.url.startsWith('/v1/');
    void reply.status(status).headers(headers).send(openAi ? toOpenAiErrorBody(response) : body);
  }
}

function isHealthReport(response: unknown): boolean {
  return typeof response === 'object' && response !== null && 'status' in response && 'details' in response;
}
