import { Controller, Post, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { AdminOnly } from '../common/http/admin.decorator.js';
import { ChatEndpoint } from '../common/http/chat-route.js';
import { Public } from '../common/http/public.decorator.js';
import type { ChatTelemetry } from '../telemetry/chat-telemetry.js';
import { hashAccessKey } from './access-key.js';
import { AccessGuard } from './access.guard.js';
import { AccessKeys } from './access-keys.js';
import type { ClientUsage } from './client-usage.js';

const KEY = 'gwk_test_key_for_the_guard_0123456789';
const ADMIN_KEY = 'gwk_test_admin_key_for_the_guard_0123';

@Controller('renamed')
class RoutesUnderAnyPath {
  @Post('somewhere-else')
  @ChatEndpoint('chat')
  chat(): void {}

  @Post('not-chat')
  other(): void {}

  @Post('probe')
  @Public()
  probe(): void {}

  @Post('traffic')
  @AdminOnly()
  traffic(): void {}
}

/** The guard with a key file of one key, counting what it admits against the key's limits. */
function guard() {
  const admitted: string[] = [];
  const usage = { admit: (key: { name: string }) => void admitted.push(key.name) } as unknown as ClientUsage;
  const keys = new AccessKeys([
    { name: 'team-a', sha256: hashAccessKey(KEY), limits: { requestsPerMinute: 1 } },
    { name: 'ops', sha256: hashAccessKey(ADMIN_KEY), admin: true },
  ]);
  const telemetry = { emit: () => undefined } as unknown as ChatTelemetry;
  return { guard: new AccessGuard(new Reflector(), keys, usage, telemetry), admitted };
}

function contextFor(handler: keyof RoutesUnderAnyPath, headers: Record<string, string>): ExecutionContext {
  const request = { method: 'POST', routeOptions: { url: `/renamed/${handler}` }, headers, id: 'r1', body: {} };
  return {
    getHandler: () => RoutesUnderAnyPath.prototype[handler],
    getClass: () => RoutesUnderAnyPath,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe('AccessGuard', () => {
  it('counts a request against its key’s limits where the handler is a @ChatEndpoint, whatever its path', async () => {
    const { guard: accessGuard, admitted } = guard();
    await expect(accessGuard.canActivate(contextFor('chat', { authorization: `Bearer ${KEY}` }))).resolves.toBe(true);
    expect(admitted).toEqual(['team-a']);
  });

  it('checks the key but counts nothing on other handlers', async () => {
    const { guard: accessGuard, admitted } = guard();
    await expect(accessGuard.canActivate(contextFor('other', { 'x-api-key': KEY }))).resolves.toBe(true);
    expect(admitted).toEqual([]);
  });

  it('lets @Public() handlers through without a key, and refuses others without one', async () => {
    const { guard: accessGuard } = guard();
    await expect(accessGuard.canActivate(contextFor('probe', {}))).resolves.toBe(true);
    await expect(accessGuard.canActivate(contextFor('other', {}))).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('lets only an admin key through an @AdminOnly() handler, and lets it through the others too', async () => {
    const { guard: accessGuard } = guard();
    await expect(accessGuard.canActivate(contextFor('traffic', { 'x-api-key': KEY }))).rejects.toMatchObject({ status: 403, code: 'admin_key_required' });
    await expect(accessGuard.canActivate(contextFor('traffic', { authorization: `Bearer ${ADMIN_KEY}` }))).resolves.toBe(true);
    await expect(accessGuard.canActivate(contextFor('other', { authorization: `Bearer ${ADMIN_KEY}` }))).resolves.toBe(true);
  });

  it('leaves @AdminOnly() handlers open when the gateway has no keys', async () => {
    const telemetry = { emit: () => undefined } as unknown as ChatTelemetry;
    const open = new AccessGuard(new Reflector(), new AccessKeys(null), {} as ClientUsage, telemetry);
    await expect(open.canActivate(contextFor('traffic', {}))).resolves.toBe(true);
  });
});
