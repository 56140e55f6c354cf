import type { IncomingHttpHeaders } from 'node:http';

/**
 * The access key a request presents: `Authorization: Bearer <key>` (what the openai SDK sends),
 * else `x-api-key: <key>`. Undefined when it presents none.
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^Bearer +(\S+) *$/i.exec(headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const apiKey = headers['x-api-key'];
  const value = typeof apiKey === 'string' ? apiKey.trim() : '';
  return value === '' ? undefined : value;
}
