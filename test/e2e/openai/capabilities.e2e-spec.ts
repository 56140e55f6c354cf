// Capabilities declared in the catalog: a request that needs one skips the deployments without it.
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../../support/gateway-client.js';
import { model } from '../../support/gateway-harness.js';

const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }];
const messages = [{ role: 'user', content: 'Weather in Oslo?' }];

function post(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('capabilities in the catalog', () => {
  const start = gatewayPerTest();
  const catalog = [
    model('groq', 'plain', { model: 'shared', priority: 1, capabilities: { tools: false, jsonSchema: false } }),
    model('cerebras', 'able', { model: 'shared', priority: 2 }),
    model('groq', 'textonly', { capabilities: { tools: false } }),
  ];

  it('skips a deployment without tools for a request with tools, without calling it', async () => {
    const gateway = await start({ models: catalog, env: { ROTATION_STRATEGY: 'priority' } });
    const response = await post(gateway.url, { model: 'shared', messages, tools });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(gateway.sim.requestsFor('groq', 'plain')).toHaveLength(0);
    // Without tools the preferred deployment serves as usual.
    const plain = await post(gateway.url, { model: 'shared', messages });
    expect(plain.headers.get('x-gateway-provider')).toBe('groq');
  });

  it('skips a deployment without json_schema for a request that asks for one', async () => {
    const gateway = await start({ models: catalog, env: { ROTATION_STRATEGY: 'priority' } });
    const response = await post(gateway.url, {
      model: 'shared',
      messages,
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    expect(response.headers.get('x-gateway-provider')).toBe('cerebras');
    expect(gateway.sim.requestsFor('groq', 'plain')).toHaveLength(0);
  });

  it('answers 400 naming the field when no deployment of the model can honour it', async () => {
    const gateway = await start({ models: catalog });
    const response = await post(gateway.url, { model: 'textonly', messages, tools });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'validation_failed', param: 'tools' });
    expect(body.error.message).toBe('No deployment of "textonly" supports tools (function calling) (capabilities in the catalog).');
    expect(gateway.sim.requests).toHaveLength(0);
  });

  it('shows each deployment\'s capabilities in GET /models', async () => {
    const gateway = await start({ models: catalog });
    const { models } = await (await fetch(`${gateway.url}/models`)).json();
    expect(models.map((entry: { key: string; capabilities: unknown }) => [entry.key, entry.capabilities])).toEqual([
      ['groq/plain', { tools: false, jsonSchema: false }],
      ['cerebras/able', { tools: true, jsonSchema: true }],
      ['groq/textonly', { tools: false, jsonSchema: true }],
    ]);
  });
});
