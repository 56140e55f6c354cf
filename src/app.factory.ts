import type { Server } from 'node:http';
import type { Writable } from 'node:stream';
import { BadRequestException, HttpException, type ValidationError } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyHttpOptions } from 'fastify';
import { AppModule } from './app.module.js';
import { RequestInvalidError } from './common/errors/gateway-errors.js';
import { answerClientError, answerUnmetExpectation, GatewayExceptionFilter } from './common/errors/gateway-exception.filter.js';
import { BodyShapePipe } from './common/http/body-shape.pipe.js';
import { GatewayValidationPipe } from './common/http/validation.pipe.js';
import { ExchangeHooks } from './common/http/exchange-hooks.js';
import { MIN_MAX_JSON_VALUES, registerJsonBodyParser } from './common/http/json-body-parser.js';
import { requestIdOf } from './common/http/request-context.js';
import { registerSecurityHeaders } from './common/http/security-headers.js';
import { validateEnvironment, type Environment } from './config/environment.js';
import { createGatewayLog, PinoNestLogger } from './logging/gateway-log.js';

/** Node's default: the request line and headers must arrive within a minute. */
const HEADERS_TIMEOUT_MS = 60_000;

export interface CreateAppOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** `false`: no log at all (tests), unless `logDestination` is given. */
  logger?: false;
  /** Where the JSON log lines go instead of stdout (tests read them). */
  logDestination?: Writable;
}

/** Builds the configured application; main.ts listens on it, tests do too. */
export async function createApp(options: CreateAppOptions = {}): Promise<{ app: NestFastifyApplication; environment: Environment }> {
  const variables = options.env ?? process.env;
  const environment = validateEnvironment(variables);
  const silent = options.logger === false && !options.logDestination;
  const log = createGatewayLog({
    level: silent ? 'silent' : environment.LOG_LEVEL,
    format: options.logDestination ? 'json' : environment.LOG_FORMAT,
    destination: options.logDestination,
  });
  const filter = new GatewayExceptionFilter();
  // Requests Fastify's router or Node's HTTP parser reject never reach Nest; they get the same error shape.
  const fastifyOptions: FastifyHttpOptions<Server> = {
    bodyLimit: environment.BODY_LIMIT_BYTES,
    forceCloseConnections: true,
    frameworkErrors: (error, request, reply) =>
      filter.send(new HttpException(error.message, error.statusCode ?? 400, { cause: error }), request, reply),
    clientErrorHandler: answerClientError,
    // A request (headers and body) that has not fully arrived in time gets 408 (answerClientError):
    // Fastify's default of 0 would let a client trickling a body hold its connection forever.
    // Node checks every connectionsCheckingInterval, so the bound holds to within a second.
    requestTimeout: environment.REQUEST_BODY_TIMEOUT_MS,
    http: {
      // Node would answer a missing Host itself, with an empty body; the onRequest hook below answers it.
      requireHostHeader: false,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, environment.REQUEST_BODY_TIMEOUT_MS),
      connectionsCheckingInterval: 1_000,
    },
    // Every response carries x-request-id: the client's own when it sent a sane one.
    genReqId: requestIdOf,
  };
  // The gateway registers no Nest middleware: without middie, no request pays for its hook.
  const adapter = new FastifyAdapter({ ...fastifyOptions, skipMiddie: true });
  adapter.getInstance().server.on('checkExpectation', answerUnmetExpectation);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(environment, log, variables), adapter, {
    logger: silent ? false : new PinoNestLogger(log),
    // Throw start-up errors to the caller (main.ts prints them and exits) instead of aborting.
    abortOnError: false,
  });
  const hooks = app.get(ExchangeHooks);
  hooks.onArrival((request, reply) => void reply.header('x-request-id', request.id));
  hooks.check((request) =>
    request.raw.httpVersion === '1.1' && request.headers.host === undefined ? new BadRequestException('An HTTP/1.1 request needs a Host header.') : undefined,
  );
  registerSecurityHeaders(hooks);
  registerJsonBodyParser(app, Math.max(MIN_MAX_JSON_VALUES, environment.MAX_MESSAGES * 64));

  app.useGlobalFilters(filter);
  app.useGlobalPipes(
    new BodyShapePipe({ maxMessages: environment.MAX_MESSAGES }),
    new GatewayValidationPipe((errors) => toRequestInvalid(errors)),
  );
  const origins = parseOrigins(environment.ALLOWED_ORIGINS);
  if (origins) app.enableCors({ origin: origins, exposedHeaders: ['retry-after', 'x-request-id'] });
  await setUpSwagger(app);
  return { app, environment };
}

function parseOrigins(value: string | undefined): string[] | '*' | undefined {
  if (!value) return undefined;
  const origins = value.split(',').map((origin) => origin.trim()).filter(Boolean);
  if (origins.includes('*')) return '*';
  return origins.length > 0 ? origins : undefined;
}

function toRequestInvalid(errors: ValidationError[]): RequestInvalidError {
  const fields: Array<{ field: string; errors: string[] }> = [];
  const walk = (list: ValidationError[], prefix: string) => {
    for (const error of list) {
      const field = prefix ? `${prefix}.${error.property}` : error.property;
      if (error.constraints) {
        // class-validator's wording for an unknown property ("should not exist") reads like a bug.
        const { whitelistValidation, ...rest } = error.constraints;
        const errors = Object.values(rest);
        if (whitelistValidation) errors.push(`${error.property} is not a supported parameter`);
        fields.push({ field, errors });
      }
      walk(error.children ?? [], field);
    }
  };
  walk(errors, '');
  const summary = fields.map(({ field, errors }) => `${field}: ${errors.join(', ')}`).join('; ');
  return new RequestInvalidError(`Invalid request. ${summary}.`, { fields });
}

async function setUpSwagger(app: NestFastifyApplication): Promise<void> {
  // Generated by scripts/generate-swagger-metadata.mjs: DTO schemas and descriptions from the
  // Swagger CLI plugin, also for sources that did not go through `nest build`.
  await SwaggerModule.loadPluginMetadata(async () => (await import('./metadata.js')).default());
  const config = new DocumentBuilder()
    .setTitle('LLM Gateway')
    .setDescription(
      'One HTTP service in front of several LLM providers: rotation across models, per-model request and token limits, fallback on limits and upstream failures, answers streamed as Server-Sent Events.',
    )
    .setVersion('0.1.0')
    // Relative: "Try it out" in Swagger UI calls the host that served the document, wherever it runs.
    .addServer('/', 'This gateway: the host serving this document')
    .addTag('chat', 'Chat with a model: SSE, plain text or JSON')
    .addTag('openai', 'OpenAI-compatible API: point the openai SDK at /v1')
    .addTag('models', 'The catalog: availability, limits, cooldowns')
    .addTag('usage', 'Requests and tokens per window, and totals')
    .addTag('health', 'Probes for orchestrators; they never call a provider')
    .addTag('operations', 'Metrics for monitoring')
    // Needed only when GATEWAY_API_KEYS is set; either scheme will do. The probes need neither (@Public()).
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'gwk_…', description: 'An access key (npm run keys:new) as `Authorization: Bearer <key>`, as the openai SDK sends it.' },
      'bearer',
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same access key in an `x-api-key` header.' }, 'x-api-key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('x-api-key')
    .build();
  // As package.json says: no licence is granted, so there is no licence text to link to.
  config.info.license = { name: 'UNLICENSED' };
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controller, method) => method,
  });
  documentAccessErrors(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

/**
 * Every operation that needs an access key (all but the probes) can answer 401, and a chat
 * request 403 for a model its key may not use: documented once here rather than on each route,
 * in the error shape of the route's family.
 */
function documentAccessErrors(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    const schema = { $ref: path.startsWith('/v1/') ? '#/components/schemas/OpenAiErrorResponseDto' : '#/components/schemas/ErrorResponseDto' };
    for (const operation of [item.get, item.post].filter((entry) => entry !== undefined)) {
      if (operation.security?.length === 0) continue;
      operation.responses['401'] ??= {
        description: 'GATEWAY_API_KEYS is set and the request has no valid access key (`unauthorized`, `invalid_api_key`).',
        content: { 'application/json': { schema } },
      };
      if (path === '/chat' || path === '/v1/chat/completions') {
        operation.responses['403'] ??= {
          description: 'The access key may not use the model asked for (`model_not_allowed`).',
          content: { 'application/json': { schema } },
        };
      }
    }
  }
}
