// Every request body Swagger UI's "Try it out" fills in must succeed as it stands. The body is
// taken from the served document the way Swagger UI takes it, and sent the way it sends it, to
// the gateway with its built-in catalog (what a new user has) in front of the provider simulator.
// test/browser/swagger-ui.browser-spec.ts clicks the same buttons in a real Swagger UI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { $ref?: string; value?: unknown }>;
}

interface Operation {
  operationId: string;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

interface Document {
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components?: { examples?: Record<string, { value?: unknown }> };
}

interface ExampleRequest {
  /** `METHOD /path`, and the example's name when it is one of several. */
  label: string;
  method: string;
  path: string;
  contentType: string;
  accept: string | undefined;
  body: unknown;
  /** The media types the operation documents for 200. */
  documented: string[];
}

/**
 * What Swagger UI does: the request's media type is the first of `requestBody.content`; its
 * editor holds the first of that media type's `examples` (the drop-down offers the others) or,
 * without `examples`, its `example`. With neither it would make one up from the schema, with
 * placeholder values ("string", 0, the maximum) that a real request gets rejected for: an
 * operation must name its example. `Accept` is the first media type of the 200 response, the
 * default of the response's content-type drop-down.
 */
function exampleRequests(document: Document): ExampleRequest[] {
  const requests: ExampleRequest[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!operation.requestBody) continue;
      const [contentType, media] = Object.entries(operation.requestBody.content)[0]!;
      const documented = Object.keys(operation.responses['200']?.content ?? {});
      const base = { method: method.toUpperCase(), path, contentType, accept: documented[0], documented };
      const label = `${base.method} ${path}`;
      if (media.examples !== undefined) {
        for (const [name, example] of Object.entries(media.examples)) {
          requests.push({ ...base, label: `${label} (example "${name}")`, body: exampleValue(document, example) });
        }
      } else if (media.example !== undefined) {
        requests.push({ ...base, label, body: media.example });
      } else {
        throw new Error(`${label} has no request body example: Swagger UI would build one from the schema's placeholders. Give it one (@ApiBody({ examples })).`);
      }
    }
  }
  return requests;
}

function exampleValue(document: Document, example: { $ref?: string; value?: unknown }): unknown {
  if (example.$ref === undefined) return example.value;
  const name = example.$ref.replace('#/components/examples/', '');
  const target = document.components?.examples?.[name];
  if (!target) throw new Error(`unresolved example ${example.$ref}`);
  return target.value;
}

describe('the request body examples of the OpenAPI document, sent as Swagger UI sends them', () => {
  let gateway: Gateway;
  let requests: ExampleRequest[];
  let server: URL;
  beforeAll(async () => {
    // No `models`: the built-in catalog, whose model ids the examples name.
    gateway = await startGateway();
    const docsJson = `${gateway.url}/docs-json`;
    const document = (await (await fetch(docsJson)).json()) as Document;
    // Swagger UI resolves a relative server URL against the document's own URL.
    server = new URL(document.servers?.[0]?.url ?? '/', docsJson);
    requests = exampleRequests(document);
  });
  afterAll(() => gateway?.close());

  it('covers every operation with a request body, both chat routes among them', () => {
    const operations = new Set(requests.map(({ method, path }) => `${method} ${path}`));
    expect([...operations]).toEqual(expect.arrayContaining(['POST /chat', 'POST /v1/chat/completions']));
  });

  it('each example succeeds: 200 in a media type the operation documents', async () => {
    const outcomes = [];
    for (const request of requests) {
      const response = await fetch(new URL(request.path.replace(/^\//, ''), server), {
        method: request.method,
        headers: { 'content-type': request.contentType, ...(request.accept ? { accept: request.accept } : {}) },
        body: JSON.stringify(request.body, null, 2),
      });
      const text = await response.text();
      const mediaType = response.headers.get('content-type')?.split(';')[0] ?? '';
      outcomes.push({ example: request.label, status: response.status, documented: request.documented.includes(mediaType), ...(response.status === 200 ? {} : { text }) });
    }
    expect(outcomes).toEqual(requests.map(({ label }) => ({ example: label, status: 200, documented: true })));
  });
});
