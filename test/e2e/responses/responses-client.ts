// What the Responses specs share: the openai SDK pointed at a gateway, and a stream read to its end.
import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { GatewayAddress } from '../../support/gateway-harness.js';

/** The `openai` SDK against the gateway's /v1, without retries (a test sees the first answer). */
export function client(gateway: GatewayAddress): OpenAI {
  return new OpenAI({ apiKey: 'unused-by-the-gateway', baseURL: `${gateway.url}/v1`, maxRetries: 0 });
}

/** Every event of a streamed response, in order. */
export async function collect(stream: AsyncIterable<ResponseStreamEvent>): Promise<ResponseStreamEvent[]> {
  const events: ResponseStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
