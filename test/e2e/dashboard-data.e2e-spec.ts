// GET /dashboard/data: what the dashboard shows, from the gateway's own telemetry: the last
// requests with each failed attempt and its reason, per-minute traffic, and the deployments'
// state and windows; admin-only when keys are configured.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../src/access/access-key.js';
import type { DashboardDataDto } from '../../src/dashboard/dto/dashboard-data.dto.js';
import { eventually, gatewayPerTest } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';

const start = gatewayPerTest();

function pair(env: Record<string, string> = {}) {
  return start({
    models: [model('groq', 'first', { model: 'shared', priority: 1 }), model('cerebras', 'second', { model: 'shared', priority: 2 })],
    env: { ROTATION_STRATEGY: 'priority', ...env },
  });
}

async function dashboard(url: string, headers: Record<string, string> = {}): Promise<DashboardDataDto> {
  const response = await fetch(`${url}/dashboard/data`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as DashboardDataDto;
}

describe('GET /dashboard/data', () => {
  it('lists a request that fell back, with the failed attempt and its reason, and counts it in this minute', async () => {
    const gateway = await pair();
    gateway.sim.setBehaviour('groq', 'first', { kind: 'error', status: 429, headers: { 'retry-after': '30' } });
    gateway.sim.setBehaviour('cerebras', 'second', { kind: 'ok', content: ['secret', ' words'], usage: { prompt_tokens: 7, completion_tokens: 2 } });
    const answer = await postChat(gateway, { ...hello, stream: false });
    expect(answer.status).toBe(200);

    const data = await eventually(async () => {
      const current = await dashboard(gateway.url);
      expect(current.recentRequests).toHaveLength(1);
      return current;
    });
    expect(data.openGateway).toBe(true);
    // Without REDIS_URL, what this replica saw.
    expect(data.activityScope).toBe('replica');
    expect(data.models.strategy).toBe('priority');
    expect(data.recentRequests[0]).toMatchObject({
      route: 'chat',
      client: null,
      requestedModel: null,
      deployment: 'cerebras/second',
      failedAttempts: [{ deployment: 'groq/first', reason: 'rate_limited' }],
      promptTokens: 7,
      completionTokens: 2,
      outcome: 'completed',
      errorCode: null,
    });
    expect(data.recentRequests[0]!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    // Never the content of a message or an answer.
    expect(JSON.stringify(data)).not.toContain('secret');
    expect(JSON.stringify(data)).not.toContain(hello.messages[0]!.content);

    expect(data.traffic).toHaveLength(15);
    const minute = data.traffic.at(-1)!;
    expect(minute.requests).toEqual({ completed: 1, rejected: 0, failed: 0, interrupted: 0, cancelled: 0 });
    expect(minute.fallbacks).toBe(1);
    expect(minute.tokens).toBe(9);
    expect(minute.timeToFirstToken).toEqual([
      { deployment: 'cerebras/second', count: 1, p50Ms: expect.any(Number), p95Ms: expect.any(Number), tokensPerSecondP50: expect.any(Number) },
    ]);
    expect(data.traffic.slice(0, -1).every((earlier) => earlier.fallbacks === 0 && earlier.requests.completed === 0)).toBe(true);
    expect(data.recentAnswers).toEqual([{ deployment: 'cerebras/second', count: 1, p50Ms: minute.timeToFirstToken[0]!.p50Ms, p95Ms: expect.any(Number), tokensPerSecondP50: expect.any(Number) }]);

    const groq = data.models.models.find((entry) => entry.key === 'groq/first');
    expect(groq?.available).toBe(false);
    expect(groq?.cooldownUntil).toEqual(expect.any(String));
    const cerebras = data.usage.models.find((entry) => entry.key === 'cerebras/second');
    expect(cerebras?.windows.minute.requests).toBe(1);
  });

  it('keeps the last 100 requests, newest first', async () => {
    const gateway = await pair();
    for (let i = 0; i < 103; i++) expect((await postChat(gateway, { ...hello, stream: false, model: i % 2 ? 'shared' : 'cerebras/second' })).status).toBe(200);
    const data = await eventually(async () => {
      const current = await dashboard(gateway.url);
      expect(current.traffic.reduce((sum, minute) => sum + minute.requests.completed, 0)).toBe(103);
      return current;
    });
    expect(data.recentRequests).toHaveLength(100);
    // The 103rd request (i = 102) asked for the pinned deployment; the one before for the model.
    expect(data.recentRequests[0]!.requestedModel).toBe('cerebras/second');
    expect(data.recentRequests[1]!.requestedModel).toBe('shared');
    const times = data.recentRequests.map((entry) => Date.parse(entry.finishedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('needs an admin key when keys are configured, and names the client of each request', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'dashboard-keys-'));
    const [admin, team] = [generateAccessKey(), generateAccessKey()];
    const keysFile = join(directory, 'keys.json');
    writeFileSync(keysFile, JSON.stringify([{ name: 'ops', sha256: hashAccessKey(admin), admin: true }, { name: 'team-a', sha256: hashAccessKey(team) }]));
    const gateway = await pair({ GATEWAY_API_KEYS: keysFile });

    expect((await fetch(`${gateway.url}/dashboard/data`)).status).toBe(401);
    const refused = await fetch(`${gateway.url}/dashboard/data`, { headers: { 'x-api-key': team } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('admin_key_required');

    expect((await postChat(gateway, { ...hello, stream: false }, { authorization: `Bearer ${team}` })).status).toBe(200);
    const data = await eventually(async () => {
      const current = await dashboard(gateway.url, { authorization: `Bearer ${admin}` });
      expect(current.recentRequests).toHaveLength(1);
      return current;
    });
    expect(data.openGateway).toBe(false);
    expect(data.recentRequests[0]!.client).toBe('team-a');
    expect(data.usage.clients.map((client) => client.name)).toEqual(['ops', 'team-a']);
    for (const secret of [admin, team, hashAccessKey(admin), hashAccessKey(team)]) expect(JSON.stringify(data)).not.toContain(secret);
  });

  it('is described in the OpenAPI document with its schema', async () => {
    const gateway = await pair();
    const document = (await (await fetch(`${gateway.url}/docs-json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> } }>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const operation = document.paths['/dashboard/data']?.get;
    expect(operation?.responses['200']?.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/DashboardDataDto');
    expect(operation?.responses['403']).toBeDefined();
    expect(Object.keys(document.components.schemas.DashboardDataDto!.properties!).sort()).toEqual(
      ['activityScope', 'cacheMode', 'generatedAt', 'models', 'openGateway', 'recentAnswers', 'recentRequests', 'traffic', 'usage'],
    );
  });
});
