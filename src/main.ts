import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { Lifecycle } from './lifecycle/lifecycle.service.js';

async function bootstrap(): Promise<void> {
  // A .env file fills in what the environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const { app, environment } = await createApp();
  // A deep accept queue: a burst of thousands of new streams must not overflow Node's default 511.
  await app.listen({ port: environment.PORT, host: environment.HOST, backlog: 4096 });
  Logger.log(`Listening on ${await app.getUrl()} (Swagger UI at /docs)`, 'Gateway');

  // SIGTERM (every deploy) and Ctrl-C: drain, close, exit 0. A second signal does not wait.
  const lifecycle = app.get(Lifecycle);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      process.once(signal, () => process.exit(1));
      lifecycle.shutDown(() => app.close()).then(
        () => process.exit(0),
        (error: unknown) => {
          Logger.error(error instanceof Error ? error.message : String(error), 'Gateway');
          process.exit(1);
        },
      );
    });
  }
}

bootstrap().catch((error: unknown) => {
  // Configuration errors name the variable; print them without a stack trace.
  const named = error instanceof Error && ['EnvironmentError', 'ModelCatalogError'].includes(error.name);
  console.error(named ? (error as Error).message : error);
  process.exit(1);
});
