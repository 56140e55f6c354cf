import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { ownHeadersOf, RawStream } from './raw-stream.js';

describe('RawStream', () => {
  it('sends the headers set on the reply and on the raw response, and its own', async () => {
    const app = Fastify();
    app.get('/', (_request, reply) => {
      reply.raw.setHeader('x-on-raw', 'raw');
      void reply.header('x-on-reply', 'reply');
      new RawStream(reply, 'text/event-stream', { headers: { 'x-option': 'option' } }).end('data: 1\n\n');
    });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.headers).toMatchObject({ 'x-on-raw': 'raw', 'x-on-reply': 'reply', 'x-option': 'option', 'content-type': 'text/event-stream' });
    expect(response.body).toBe('data: 1\n\n');
    await app.close();
  });

  it("finds a reply's own headers through getHeaders when Fastify's store is not where it was", () => {
    const raw = new Map<string, string>([['x-on-raw', 'raw']]);
    const reply = {
      raw: { getHeader: (name: string) => raw.get(name) },
      getHeaders: () => ({ 'x-on-raw': 'raw', 'x-on-reply': 'reply' }),
    };
    expect(ownHeadersOf(reply as never)).toEqual({ 'x-on-reply': 'reply' });
  });
});
