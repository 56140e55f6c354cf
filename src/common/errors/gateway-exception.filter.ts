import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Catch, HttpException, HttpStatus, Logger, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse, toOpenAiErrorBody, type ErrorResponse } from './error-response.js';

/**
 * Sends every error in the documented shape: `{ error: { code, message } }`, or OpenAI's shape on
 * the OpenAI-compatible routes (/v1). Health reports from terminus pass through as they are.
 */
@Catch()
export class GatewayExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.send(exception, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** Also for what Fastify's router rejects before Nest sees the request (a malformed URL). */
  send(thrown: unknown, request: FastifyRequest, reply: FastifyReply): void {
    // Fastify reads the body before its not-found handler runs: a request for no route is a 404
    // (as Nest words it) whatever its body, not a complaint about a body nothing would have read.
    const exception = request.is404 && isBodyParsingError(thrown) ? new NotFoundException(`Cannot ${request.method} ${request.url}`) : thrown;
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    if (request.raw.socket?.destroyed) {
      // The client hung up (or was cut off for sending too slowly) before its request had arrived:
      // nobody is left to answer, and it is the client's doing, not the gateway's.
      this.logger.debug(`client went away before its request arrived: ${exception instanceof Error ? exception.message : String(exception)}`);
      return;
    }
    if (exception instanceof HttpException && isHealthReport(exception.getResponse())) {
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const response = toErrorResponse(exception);
    if (response.status >= 500 && response.body.error.code === 'internal_error') {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    void reply.status(response.status).headers(response.headers).send(errorBody(request.url, response));
  }
}

/** Fastify's content-type parsing refused the body (FST_ERR_CTP_*: malformed JSON, a `__proto__` key, media type, size). */
function isBodyParsingError(exception: unknown): boolean {
  const code = (exception as { code?: unknown } | null)?.code ?? ((exception as { cause?: { code?: unknown } } | null)?.cause?.code);
  return typeof code === 'string' && code.startsWith('FST_ERR_CTP_');
}

function isHealthReport(response: unknown): boolean {
  return typeof response === 'object' && response !== null && 'status' in response && 'details' in response;
}

function errorBody(url: string, response: ErrorResponse): unknown {
  return url.startsWith('/v1/') ? toOpenAiErrorBody(response) : response.body;
}

/**
 * Fastify's `clientErrorHandler`: Node's parser rejected the request (a malformed request line or
 * header, headers over the size limit) before Fastify saw it, so the answer is written to the
 * socket here, in the shape of the route family the request line names.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const exception =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new HttpException('The request line and headers are too large.', 431)
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new HttpException('The request did not arrive in time.', HttpStatus.REQUEST_TIMEOUT)
        : new HttpException('The request is not valid HTTP/1.1.', HttpStatus.BAD_REQUEST);
  const response = toErrorResponse(exception);
  // Node hands over the bytes it could not parse; their request line names the route.
  const received: unknown = (error as { rawPacket?: unknown }).rawPacket;
  // A request whose body did not arrive in time has been parsed up to its headers: its URL is known.
  const pending = (socket as { _httpMessage?: { req?: { url?: string } } })._httpMessage?.req?.url;
  const target = pending ?? /^\S* (\S+)/.exec(Buffer.isBuffer(received) ? received.toString('latin1') : '')?.[1] ?? '/';
  const text = JSON.stringify(errorBody(target, response));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status]}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
    );
  }
  socket.destroy(error);
}

/** The server's `checkExpectation` listener: an `Expect` other than 100-continue gets 417 in the documented shape. */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const expectation = new HttpException(`Expect: ${request.headers.expect} is not supported.`, HttpStatus.EXPECTATION_FAILED);
  const errorResponse = toErrorResponse(expectation);
  response.writeHead(errorResponse.status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  response.end(JSON.stringify(errorBody(request.url ?? '/', errorResponse)));
}
