// Bad bodies for POST /chat and POST /v1/chat/completions: whatever JSON (or not-JSON) arrives,
// the answer is never a 5xx, an error has its route's documented shape and a stable code, and
// nothing is sent to a provider for a request the gateway refuses.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_DEPTH } from '../../../src/common/http/body-shape.pipe.js';
import { droppedParamsHeader } from '../../../src/openai/openai-response.writer.js';
import type { Gateway } from '../../support/gateway-harness.js';
import {
  anyJson,
  badChatField,
  badOpenAiField,
  invalidUtf8,
  mixedRequest,
  numberLiteral,
  oddString,
  unknownField,
  type BadField,
} from './arbitraries.js';
import { expectAlive, expectDocumentedAnswer, send, startRoomyGateway, type RawResponse, type RouteFamily } from './raw-http.js';

const MAX_INPUT_CHARS = 20_000;
const CHAT_FIELDS = ['messages', 'model', 'temperature', 'top_p', 'max_tokens', 'stop', 'stream'];
const OPENAI_FIELDS = [
  ...CHAT_FIELDS,
  'stream_options',
  'max_completion_tokens',
  'seed',
  'user',
  'response_format',
  'n',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'include_reasoning',
  'reasoning_format',
  'frequency_penalty',
  'presence_penalty',
  'prompt_cache_key',
  'audio',
  'web_search_options',
  'functions',
  'function_call',
  'modalities',
  'metadata',
  'store',
  'service_tier',
  'prediction',
  'prompt_cache_retention',
  'prompt_cache_options',
  'verbosity',
  'moderation',
  'safety_identifier',
];

const NESTED = '"@@nested@@"';
const withNested = (body: Record<string, unknown>) => (nested: string) => JSON.stringify(body).replace(NESTED, nested);
const say = [{ role: 'user', content: 'Say hello.' }];

interface Route {
  path: string;
  family: RouteFamily;
  /** A request the simulator answers with 200. */
  valid: Record<string, unknown>;
  badField: fc.Arbitrary<BadField>;
  mixed: fc.Arbitrary<Record<string, unknown>>;
  /** Where a deeply nested value can go, with the levels above it (the body is level 1). */
  nestingSpots: Array<{ field: string; above: number; wrap: (nested: string) => string }>;
}


const routes: Route[] = [
  {
    path: '/chat',
    family: 'gateway',
    valid: { messages: say, stream: false },
    badField: badChatField({ messages: say, stream: false }, CHAT_FIELDS),
    mixed: mixedRequest('gateway', CHAT_FIELDS),
    nestingSpots: [
      { field: 'messages', above: 1, wrap: withNested({ messages: '@@nested@@' }) },
      { field: 'messages', above: 3, wrap: withNested({ messages: [{ role: 'user', content: '@@nested@@' }] }) },
      { field: 'model', above: 1, wrap: withNested({ messages: say, model: '@@nested@@' }) },
      { field: 'stop', above: 1, wrap: withNested({ messages: say, stop: '@@nested@@' }) },
      { field: 'extra', above: 1, wrap: withNested({ messages: say, extra: '@@nested@@' }) },
    ],
  },
  {
    path: '/v1/chat/completions',
    family: 'openai',
    valid: { model: 'm', messages: say },
    badField: badOpenAiField({ model: 'm', messages: say }),
    mixed: mixedRequest('openai', OPENAI_FIELDS),
    nestingSpots: [
      { field: 'messages', above: 3, wrap: withNested({ model: 'm', messages: [{ role: 'user', content: '@@nested@@' }] }) },
      {
        field: 'response_format',
        above: 3,
        wrap: withNested({ model: 'm', messages: say, response_format: { type: 'json_schema', json_schema: '@@nested@@' } }),
      },
      { field: 'stream_options', above: 1, wrap: withNested({ model: 'm', messages: say, stream_options: '@@nested@@' }) },
      { field: 'logit_bias', above: 1, wrap: withNested({ model: 'm', messages: say, logit_bias: '@@nested@@' }) },
    ],
  },
];

/** `levels` of arrays, objects, or both alternating, around a scalar; and the name of its first key. */
const nested = fc.record({ levels: fc.integer({ min: 1, max: 12_000 }), kind: fc.constantFrom('arrays', 'objects', 'mixed') }).map(({ levels, kind }) => {
  if (kind === 'arrays') return { levels, firstKey: '0', text: `${'['.repeat(levels)}0${']'.repeat(levels)}` };
  if (kind === 'objects') return { levels, firstKey: 'a', text: `${'{"a":'.repeat(levels)}0${'}'.repeat(levels)}` };
  const pairs = Math.ceil(levels / 2);
  return { levels: pairs * 2, firstKey: '0', text: `${'[{"a":'.repeat(pairs)}0${'}]'.repeat(pairs)}` };
});

function postJson(gateway: Gateway, path: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<RawResponse> {
  return send(gateway, { method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body });
}

const names = (fields: string[], field: string) => fields.some((name) => name === field || name.startsWith(`${field}.`));

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startRoomyGateway({ BODY_LIMIT_BYTES: String(1024 * 1024), MAX_INPUT_CHARS: String(MAX_INPUT_CHARS) });
});
afterAll(() => gateway.close());
afterEach(() => expectAlive(gateway));

/** Posts and checks the answer; a refused request must not have reached a provider. */
async function postChecked(route: Route, body: string | Uint8Array, what: string) {
  const upstreamBefore = gateway.sim.requests.length;
  const response = await postJson(gateway, route.path, body);
  const error = expectDocumentedAnswer(response, route.family, `${route.path} ${what}`);
  const leaked = error !== null && gateway.sim.requests.length > upstreamBefore;
  expect(leaked ? `${what} was refused (${error.code}) but reached a provider` : null).toBeNull();
  return { response, error };
}

describe.each(routes)('POST $path', (route) => {
  it('serves the valid request the properties start from', async () => {
    const response = await postJson(gateway, route.path, JSON.stringify(route.valid));
    expect(response.status).toBe(200);
  });

  it('answers any JSON value, and any serialised JS value, without a 5xx and the same way twice', async () => {
    const bodies = fc.oneof(
      anyJson.map((value) => JSON.stringify(value)),
      fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true, withDate: true, withNullPrototype: true, withTypedArray: true }).map((value) => JSON.stringify(value) ?? ''),
      oddString,
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const first = await postChecked(route, body, `body ${body.slice(0, 200)}`);
        const second = await postJson(gateway, route.path, body);
        expect(second.status).toBe(first.response.status);
        expect(expectDocumentedAnswer(second, route.family)?.code).toBe(first.error?.code);
      }),
      { numRuns: 120 },
    );
  }, 60_000);

  it('refuses a valid request with one bad field with 400 validation_failed naming that field', async () => {
    await fc.assert(
      fc.asyncProperty(route.badField, async ({ field, body }) => {
        const { response, error } = await postChecked(route, JSON.stringify(body), `with bad ${field}`);
        expect({ status: response.status, code: error?.code, namesField: names(error?.fields ?? [], field), body: response.text }).toMatchObject({
          status: 400,
          code: 'validation_failed',
          namesField: true,
        });
      }),
      { numRuns: 300 },
    );
  }, 60_000);

  it('answers requests with valid, odd and wrong values in any field without a 5xx (valid ones are served)', async () => {
    await fc.assert(
      fc.asyncProperty(route.mixed, async (body) => {
        const { response } = await postChecked(route, JSON.stringify(body), JSON.stringify(body).slice(0, 300));
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('answers a well-formed model id that is not in the catalog with 404 model_not_found', async () => {
    const model = oddString.filter((id) => id.length > 0 && id.length <= 256 && !['m', 'groq/m', 'auto'].includes(id));
    await fc.assert(
      fc.asyncProperty(model, async (id) => {
        const { response, error } = await postChecked(route, JSON.stringify({ ...route.valid, model: id }), `model ${JSON.stringify(id)}`);
        expect({ status: response.status, code: error?.code, body: response.text }).toMatchObject({ status: 404, code: 'model_not_found' });
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('answers numbers written any way JSON allows (and some it does not) without a 5xx', async () => {
    const spot = fc.constantFrom('temperature', 'top_p', 'max_tokens', ...(route.family === 'openai' ? ['seed', 'n', 'max_completion_tokens'] : []));
    await fc.assert(
      fc.asyncProperty(spot, numberLiteral, async (field, literal) => {
        const body = JSON.stringify({ ...route.valid, [field]: '@@nested@@' }).replace(NESTED, literal);
        const { response } = await postChecked(route, body, body);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it(`refuses a body nested more than ${MAX_BODY_DEPTH} levels with 400 validation_failed naming the field, at any depth`, async () => {
    const spot = fc.oneof(
      fc.constant({ field: 'top', above: 0, wrap: (text: string) => text }),
      fc.constantFrom(...route.nestingSpots),
    );
    await fc.assert(
      fc.asyncProperty(spot, nested, async ({ field, above, wrap }, value) => {
        const { response, error } = await postChecked(route, wrap(value.text), `${value.levels} levels in ${field}`);
        if (above + value.levels <= MAX_BODY_DEPTH) return;
        expect({ status: response.status, code: error?.code, fields: error?.fields }).toEqual({
          status: 400,
          code: 'validation_failed',
          fields: [field === 'top' ? value.firstKey : field],
        });
      }),
      { numRuns: 80 },
    );
  }, 60_000);

  it('answers invalid UTF-8 anywhere in the body without a 5xx', async () => {
    const base = fc.oneof(fc.constant(route.valid), route.mixed).map((body) => Buffer.from(JSON.stringify(body)));
    const insertions = fc.array(fc.tuple(fc.nat(), invalidUtf8), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(base, insertions, async (bytes, inserts) => {
        let body = bytes;
        for (const [at, bad] of inserts) {
          const cut = at % (body.length + 1);
          body = Buffer.concat([body.subarray(0, cut), bad, body.subarray(cut)]);
        }
        const { response } = await postChecked(route, body, `bytes ${body.toString('hex').slice(0, 300)}`);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it('refuses any truncation of a JSON request with 400 invalid_json', async () => {
    const body = fc.oneof(fc.constant(route.valid), route.mixed).map((value) => Buffer.from(JSON.stringify(value)));
    await fc.assert(
      fc.asyncProperty(body, fc.nat(), async (bytes, at) => {
        const truncated = bytes.subarray(0, at % bytes.length);
        const { response, error } = await postChecked(route, truncated, `truncated ${truncated.toString().slice(0, 200)}`);
        expect(response.status).toBe(400);
        expect(error?.code).toBe('invalid_json');
      }),
      { numRuns: 150 },
    );
  }, 60_000);

  it(`serves message text up to MAX_INPUT_CHARS in total and refuses longer with 400 naming messages`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MAX_INPUT_CHARS * 2 }), fc.constantFrom('x', 'é', '😀'), async (length, char) => {
        const content = char.repeat(Math.ceil(length / char.length));
        const { response, error } = await postChecked(route, JSON.stringify({ ...route.valid, messages: [{ role: 'user', content }] }), `${content.length} chars`);
        const tooLong = content.length > MAX_INPUT_CHARS;
        expect({ status: response.status, fields: error?.fields ?? [] }).toEqual(tooLong ? { status: 400, fields: ['messages'] } : { status: 200, fields: [] });
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});

describe('POST /v1/chat/completions with fields OpenAI does not define', () => {
  const openai = routes.find((route) => route.family === 'openai')!;

  it('leaves any unknown field out (top level or in a message), names it in x-gateway-dropped-params, and serves the request', async () => {
    const name = unknownField(OPENAI_FIELDS).filter((field) => !['toString', 'valueOf', 'hasOwnProperty', 'prototype'].includes(field) && !(field in Object.prototype));
    const where = fc.constantFrom('top', 'message');
    // Values whose keys are Object.prototype's names are refused (400) wherever they are: not this property's case.
    const value = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }), fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.integer(), { maxKeys: 3 }));
    await fc.assert(
      fc.asyncProperty(name, value, where, async (field, value, at) => {
        const body = at === 'top' ? { ...openai.valid, [field]: value } : { ...openai.valid, messages: [{ role: 'user', content: 'Say hello.', [field]: value }] };
        const before = gateway.sim.requests.length;
        const { response } = await postChecked(openai, JSON.stringify(body), `unknown ${at} field ${JSON.stringify(field)}`);
        expect(response.status).toBe(200);
        const header = response.headers['x-gateway-dropped-params'];
        expect(String(header).split(', ')).toContain(droppedParamsHeader([at === 'top' ? field : `messages[].${field}`]));
        const sent = gateway.sim.requests[before]!.body;
        expect(at === 'top' ? Object.keys(sent) : Object.keys(sent.messages[0])).not.toContain(field);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
