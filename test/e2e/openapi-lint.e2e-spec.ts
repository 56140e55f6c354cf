// The OpenAPI document passes Redocly's `recommended` rules with no error and no warning: the one
// the app serves at /docs-json and the committed openapi.json (the same document, by
// openapi-artifact.e2e-spec.ts; both are linted so each failure names where to look).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createConfig, lintFromString, type IgnoreConfig } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';

const ARTIFACT = fileURLToPath(new URL('../../openapi.json', import.meta.url));

const RULES = {
  // package.json says UNLICENSED: there is no licence text for info.license.url to point at.
  'info-license-strict': 'off',
} as const;

/**
 * Findings accepted one by one (Redocly's own ignore mechanism), by rule and JSON pointer.
 * The payloads of the SSE events (POST /chat's `data:` lines, POST /v1/chat/completions' chunks,
 * POST /v1/responses' events)
 * are published as schemas for clients, but a text/event-stream body is a string, and OpenAPI 3.0
 * has no way to $ref a schema for its parts: the descriptions name them instead.
 */
const ACCEPTED: Record<string, string[]> = {
  'no-unused-components': ['ChatMetaEventDto', 'ChatReasoningEventDto', 'ChatDeltaEventDto', 'ChatDoneEventDto', 'ChatErrorEventDto', 'ChatCompletionChunkDto', 'ResponseStreamEventDto'].map(
    (name) => `#/components/schemas/${name}`,
  ),
};

/** Every finding, `severity rule at pointer: message`; accepted ones are marked. */
async function lint(source: string, absoluteRef: string): Promise<{ problems: string[]; accepted: string[] }> {
  const ignore: IgnoreConfig = {
    [absoluteRef]: Object.fromEntries(Object.entries(ACCEPTED).map(([rule, pointers]) => [rule, new Set(pointers)])),
  };
  const config = await createConfig({ extends: ['recommended'], rules: RULES }, { ignore });
  const found = await lintFromString({ source, absoluteRef, config });
  const format = (problem: (typeof found)[number]) =>
    `${problem.severity} ${problem.ruleId} at ${problem.location.map((location) => location.pointer).join(', ')}: ${problem.message}`;
  return {
    problems: found.filter((problem) => !problem.ignored).map(format),
    accepted: found.filter((problem) => problem.ignored).map((problem) => `${problem.ruleId} ${problem.location[0]?.pointer}`),
  };
}

/** Each accepted finding must still occur: an entry nothing needs any more is removed, not kept. */
const EVERY_ACCEPTED = Object.entries(ACCEPTED).flatMap(([rule, pointers]) => pointers.map((pointer) => `${rule} ${pointer}`));

describe("the OpenAPI document under Redocly's recommended rules", () => {
  let app: NestFastifyApplication;
  let url: string;
  beforeAll(async () => {
    // The configuration of `npm run openapi`: defaults, no keys.
    ({ app } = await createApp({ env: {}, logger: false }));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app?.close());

  it('the document served at /docs-json: no error, no warning', async () => {
    const response = await fetch(`${url}/docs-json`);
    expect(response.status).toBe(200);
    const { problems, accepted } = await lint(await response.text(), `${url}/docs-json`);
    expect(problems).toEqual([]);
    expect(accepted.sort()).toEqual([...EVERY_ACCEPTED].sort());
  });

  it('the committed openapi.json: no error, no warning', async () => {
    const { problems, accepted } = await lint(readFileSync(ARTIFACT, 'utf8'), ARTIFACT);
    expect(problems).toEqual([]);
    expect(accepted.sort()).toEqual([...EVERY_ACCEPTED].sort());
  });
});
