// Bad bodies for POST /v1/responses, whose `input` items are free-form objects read by hand:
// whatever arrives (any JSON, odd items, any value in any field), the answer is never a 5xx, an
// error has OpenAI's shape and the same code twice, and nothing refused reaches a provider.
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../support/gateway-harness.js';
import { anyJson, oddString } from './arbitraries.js';
import { expectAlive, expectDocumentedAnswer, send, startRoomyGateway } from './raw-http.js';

const PATH = '/v1/responses';
const FIELDS = [
  'model',
  'input',
  'instructions',
  'tools',
  'tool_choice',
  'max_output_tokens',
  'temperature',
  'top_p',
  'reasoning',
  'text',
  'stream',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'parallel_tool_calls',
  'previous_response_id',
  'store',
  'include',
  'background',
];

/** Values that look like the real ones some of the time. */
const text = fc.oneof(oddString, fc.constantFrom('Hi', ''));
const part = fc.oneof(
  fc.record({ type: fc.constantFrom('input_text', 'output_text', 'refusal', 'input_image', 'input_file', 'other'), text: fc.oneof(text, anyJson) }, { requiredKeys: [] }),
  anyJson,
);
const item = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('message', 'function_call', 'function_call_output', 'reasoning', 'item_reference', 'web_search_call', 'other'),
      role: fc.oneof(fc.constantFrom('user', 'system', 'developer', 'assistant', 'tool'), anyJson),
      content: fc.oneof(text, fc.array(part, { maxLength: 3 }), anyJson),
      id: fc.oneof(fc.constantFrom('msg_x', 'rs_x', 'fc_x_0'), anyJson),
      call_id: fc.oneof(fc.constantFrom('call_1', ''), anyJson),
      name: fc.oneof(fc.constantFrom('get_weather', ''), anyJson),
      arguments: fc.oneof(fc.constantFrom('{}', '{"city":"Oslo"}'), anyJson),
      output: fc.oneof(text, fc.array(part, { maxLength: 2 }), anyJson),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string(), anyJson, { maxKeys: 4 }),
);
const fieldValue = fc.oneof(anyJson, text, fc.array(item, { minLength: 1, maxLength: 4 }));

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startRoomyGateway();
});
afterAll(() => gateway.close());
afterEach(() => expectAlive(gateway));

async function postChecked(body: string, what: string) {
  const upstreamBefore = gateway.sim.requests.length;
  const response = await send(gateway, { method: 'POST', path: PATH, headers: { 'content-type': 'application/json' }, body });
  const error = expectDocumentedAnswer(response, 'openai', `${PATH} ${what}`);
  const leaked = error !== null && gateway.sim.requests.length > upstreamBefore;
  expect(leaked ? `${what} was refused (${error.code}) but reached a provider` : null).toBeNull();
  return { response, error };
}

describe(`POST ${PATH}`, () => {
  it('serves the valid request the properties start from', async () => {
    const { response } = await postChecked(JSON.stringify({ model: 'm', input: 'Hi' }), 'valid');
    expect(response.status).toBe(200);
  });

  it('answers any JSON value as the body without a 5xx, the same way twice', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson.map((value) => JSON.stringify(value)), oddString), async (body) => {
        const first = await postChecked(body, `body ${body.slice(0, 200)}`);
        const second = await postChecked(body, `body ${body.slice(0, 200)} again`);
        expect(second.response.status).toBe(first.response.status);
        expect(second.error?.code).toBe(first.error?.code);
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('answers any input items (odd types, roles, content, references) without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 5 }), fc.boolean(), async (input, stream) => {
        const body = JSON.stringify({ model: 'm', input, stream });
        const { response } = await postChecked(body, body.slice(0, 300));
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 250 },
    );
  }, 60_000);

  it('answers any value in any field without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...FIELDS), fieldValue, { maxKeys: 4 }), async (fields) => {
        const body = JSON.stringify({ model: 'm', input: 'Hi', ...fields });
        const { response } = await postChecked(body, body.slice(0, 300));
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 250 },
    );
  }, 60_000);
});
