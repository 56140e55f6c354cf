import { describe, expect, it } from 'vitest';
import { parseRedisUrl, redactRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('passes redis:// and rediss:// URLs through to the client as they are', () => {
    expect(parseRedisUrl('rediss://:pw@cache:6380/2')).toEqual({ kind: 'single', url: 'rediss://:pw@cache:6380/2' });
  });

  it('reads the sentinels, the master name, the database and the credentials of a redis-sentinel:// URL', () => {
    expect(parseRedisUrl('redis-sentinel://app:p%40ss@s1:26380,s2,[::1]:26381/my%20master/4')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26_380 },
        { host: 's2', port: 26_379 },
        { host: '::1', port: 26_381 },
      ],
      masterName: 'my master',
      db: 4,
      username: 'app',
      password: 'p@ss',
    });
  });

  it('reads the nodes and the password of a redis-cluster:// URL', () => {
    expect(parseRedisUrl('redis-cluster://:pw@n1:7000,n2')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 6379 },
      ],
      username: undefined,
      password: 'pw',
    });
  });

  it('says what is wrong with a URL it cannot use', () => {
    expect(() => parseRedisUrl('memcached://x')).toThrow('must be a redis://, rediss://, redis-sentinel:// or redis-cluster:// URL');
    expect(() => parseRedisUrl('redis-sentinel://s1')).toThrow('needs the master name');
    expect(() => parseRedisUrl('redis-sentinel://s1/m/x')).toThrow('database "x" is not a number');
    expect(() => parseRedisUrl('redis-cluster://n1:7000/1')).toThrow('has no path');
    expect(() => parseRedisUrl('redis-cluster://n1:99999')).toThrow('port 99999 is out of range');
    expect(() => parseRedisUrl('redis-cluster://n1:7000,')).toThrow('is not a host:port');
  });
});

describe('redactRedisUrl', () => {
  it('masks the password and keeps the rest', () => {
    expect(redactRedisUrl('redis://user:secret@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(redactRedisUrl('redis-sentinel://:secret@s1,s2/m')).toBe('redis-sentinel://:***@s1,s2/m');
    expect(redactRedisUrl('redis://host:6379')).toBe('redis://host:6379');
  });
});
