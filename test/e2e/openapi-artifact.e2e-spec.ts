import { readFileSync } from 'node:fs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';

const ARTIFACT = new URL('../../openapi.json', import.meta.url);
const STALE = 'openapi.json is not the document the app serves at /docs-json: run `npm run openapi` and commit the result.';

/** Runs the assertions; a failure keeps its diff and starts with what to do about it. */
function expectCurrent(assertions: () => void): void {
  try {
    assertions();
  } catch (error) {
    if (error instanceof Error) error.message = `${STALE}\n${error.message}`;
    throw error;
  }
}

function readArtifact(): string {
  try {
    return readFileSync(ARTIFACT, 'utf8');
  } catch (error) {
    throw new Error(`${STALE}\n${(error as Error).message}`, { cause: error });
  }
}

// The configuration `npm run openapi` (scripts/generate-openapi.mjs) uses: defaults, no keys.
describe('openapi.json at the repository root', () => {
  let app: NestFastifyApplication;
  let url: string;
  beforeAll(async () => {
    ({ app } = await createApp({ env: {}, logger: false }));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app.close());

  it('is exactly the OpenAPI document the running app serves at /docs-json', async () => {
    const committed: unknown = JSON.parse(readArtifact());
    const response = await fetch(`${url}/docs-json`);
    expect(response.status).toBe(200);
    const served: unknown = await response.json();
    expectCurrent(() => expect(served).toStrictEqual(committed));
  });

  it('is pretty-printed with a trailing newline, as `npm run openapi` writes it', () => {
    const text = readArtifact();
    expectCurrent(() => expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`));
  });
});
