import { describe, expect, it } from 'vitest';
import type { ChatRequestSummary } from '../telemetry/chat-telemetry.js';
import { RequestHistory } from './request-history.js';

function summary(requestId: string, overrides: Partial<ChatRequestSummary> = {}): ChatRequestSummary {
  return {
    requestId,
    route: 'openai',
    client: 'team-a',
    allowedModels: ['shared'],
    requestedModel: 'shared',
    deployment: { provider: 'cerebras', model: 'b' },
    attempts: 2,
    failedAttempts: [{ provider: 'groq', model: 'a', error: 'rate_limited' }],
    promptTokens: 10,
    completionTokens: 4,
    timeToFirstTokenMs: 120.6,
    answerFirstTokenMs: 100.2,
    cache: null,
    durationMs: 480.2,
    outcome: 'completed',
    errorCode: null,
    ...overrides,
  };
}

describe('RequestHistory', () => {
  it('lists a request as the dashboard shows it: deployments as provider/model, failures with their reason, whole milliseconds', () => {
    const history = new RequestHistory(3);
    history.add(summary('r1'), Date.UTC(2026, 11, 3, 12, 0, 0));
    expect(history.list()).toEqual([
      {
        finishedAt: '2026-12-03T12:00:00.000Z',
        requestId: 'r1',
        route: 'openai',
        client: 'team-a',
        requestedModel: 'shared',
        deployment: 'cerebras/b',
        failedAttempts: [{ deployment: 'groq/a', reason: 'rate_limited' }],
        timeToFirstTokenMs: 121,
        durationMs: 480,
        promptTokens: 10,
        completionTokens: 4,
        outcome: 'completed',
        errorCode: null,
        cache: null,
      },
    ]);
  });

  it('keeps the last ones only, newest first, however many came', () => {
    const history = new RequestHistory(3);
    for (let i = 1; i <= 7; i++) {
      history.add(summary(`r${i}`), i);
      const expected = Array.from({ length: Math.min(i, 3) }, (_, back) => `r${i - back}`);
      expect(history.list().map((entry) => entry.requestId)).toEqual(expected);
    }
  });

  it('shows a request no deployment answered with none, and no first token', () => {
    const history = new RequestHistory();
    history.add(summary('r1', { deployment: null, timeToFirstTokenMs: null, outcome: 'failed', errorCode: 'upstream_error' }), 0);
    expect(history.list()[0]).toMatchObject({ deployment: null, timeToFirstTokenMs: null, outcome: 'failed', errorCode: 'upstream_error' });
  });
});
