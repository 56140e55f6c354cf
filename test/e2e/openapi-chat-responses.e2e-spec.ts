// POST /chat's 200 as documented, one schema per media type, held against what the gateway sends
// for each (src/chat/chat-request.mapper.ts `responseFormat`, src/chat/chat-response.writer.ts).
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat, type Gateway } from '../support/gateway-harness.js';
import { readSse } from '../support/sse-stream.js';

const start = gatewayPerTest();

interface Schema {
  type?: string;
  description?: string;
  $ref?: string;
  properties?: Record<string, unknown>;
  required?: string[];
}

interface ChatOk {
  content: Record<string, { schema: Schema }>;
}

async function documented(gateway: Gateway): Promise<{ ok: ChatOk; schemas: Record<string, Schema> }> {
  const document = (await (await fetch(`${gateway.url}/docs-json`)).json()) as {
    paths: { '/chat': { post: { responses: { '200': ChatOk } } } };
    components: { schemas: Record<string, Schema> };
  };
  return { ok: document.paths['/chat'].post.responses['200'], schemas: document.components.schemas };
}

/** How an SSE event or comment reads on the wire: `event: meta`, `: ping`. */
function wireNames(events: Array<{ event: string; data: unknown }>): string[] {
  return events.map(({ event, data }) => (event === 'comment' ? `: ${String(data)}` : `event: ${event}`));
}

describe("POST /chat's 200: one schema per media type", () => {
  it('documents text/event-stream, text/plain and application/json, each with its own schema', async () => {
    const { ok, schemas } = await documented(await start());

    expect(Object.keys(ok.content).sort()).toEqual(['application/json', 'text/event-stream', 'text/plain']);
    const sse = ok.content['text/event-stream']!.schema;
    expect(sse.type).toBe('string');
    for (const part of ['event: meta', 'event: delta', 'event: done', 'event: error', ': ping']) {
      expect(sse.description).toContain(`\`${part}\``);
    }
    expect(ok.content['text/plain']!.schema).toMatchObject({ type: 'string' });
    expect(ok.content['text/plain']!.schema.description).not.toContain('event:');
    expect(ok.content['application/json']!.schema).toEqual({ $ref: '#/components/schemas/ChatCompletionResponseDto' });
    expect(schemas.ChatCompletionResponseDto).toBeDefined();
  });

  it('text/event-stream: every event and comment the gateway writes is one the description lists', async () => {
    const gateway = await start({ models: [model('groq', 'm')], env: { SSE_KEEPALIVE_MS: '50' } });
    const { ok } = await documented(gateway);
    const description = ok.content['text/event-stream']!.schema.description ?? '';

    // A complete answer with a quiet spell (pings), and one that breaks off after it began (error).
    gateway.sim.setBehaviour('groq', 'm', { kind: 'ok', content: ['one', 'two'], pauseAfterFirstTokenMs: 300 }, { kind: 'error-frame', afterChunks: 1 });
    const complete = await postChat(gateway, hello);
    const completeNames = wireNames(await readSse(complete));
    const broken = await postChat(gateway, hello, { accept: 'text/event-stream' });
    const brokenNames = wireNames(await readSse(broken));

    expect(complete.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const seen = new Set([...completeNames, ...brokenNames]);
    expect([...seen].sort()).toEqual([': ping', 'event: delta', 'event: done', 'event: error', 'event: meta']);
    for (const name of seen) expect(description).toContain(`\`${name}\``);
  });

  it('text/plain and application/json: what the gateway sends for each is what the document says', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    const { ok, schemas } = await documented(gateway);

    const text = await postChat(gateway, hello, { accept: 'text/plain' });
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(typeof (await text.text())).toBe(ok.content['text/plain']!.schema.type);

    const json = ok.content['application/json']!.schema.$ref!.replace('#/components/schemas/', '');
    for (const [body, headers] of [
      [{ ...hello, stream: false }, {}],
      [hello, { accept: 'application/json' }],
    ] as const) {
      const response = await postChat(gateway, body, headers);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const answer = (await response.json()) as Record<string, unknown>;
      // Every field documented, every required one there (`reasoning` only with include_reasoning).
      expect(Object.keys(schemas[json]!.properties ?? {})).toEqual(expect.arrayContaining(Object.keys(answer)));
      expect(Object.keys(answer).sort()).toEqual([...(schemas[json]!.required ?? [])].sort());
    }
  });
});
