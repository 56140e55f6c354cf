// `npm run keys:new` as a user runs it: a child process, reading what it prints.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateAccessKeys } from '../../../src/access/access-keys.loader.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function keysNew(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/keys-new.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 15_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The key and the entry a run printed, each on a line of its own. */
function printed(stdout: string): { key: string; entry: Record<string, unknown> } {
  const lines = stdout.split('\n');
  const keys = lines.filter((line) => /^gwk_[A-Za-z0-9_-]{43}$/.test(line));
  const entries = lines.filter((line) => line.startsWith('{'));
  expect(keys).toHaveLength(1);
  expect(entries).toHaveLength(1);
  return { key: keys[0], entry: JSON.parse(entries[0]) as Record<string, unknown> };
}

describe('npm run keys:new', () => {
  it('prints a new key once and the entry whose sha256 is that key’s, which the gateway accepts', () => {
    const run = keysNew('--name', 'team-a');
    expect(run.status).toBe(0);
    const { key, entry } = printed(run.stdout);
    expect(entry).toEqual({ name: 'team-a', sha256: createHash('sha256').update(key).digest('hex') });
    expect(run.stdout.split(key)).toHaveLength(2);
    expect(run.stdout).toContain('cannot be shown again');
    expect(validateAccessKeys([entry], 'printed entry')).toHaveLength(1);
  });

  it('puts --rpm, --tokens-per-day and --models in the entry', () => {
    const run = keysNew('--name', 'team_b.1', '--rpm', '60', '--tokens-per-day', '500000', '--models', 'gpt-oss-120b, cerebras/qwen-3.8-27b');
    expect(run.status).toBe(0);
    const { key, entry } = printed(run.stdout);
    expect(entry).toEqual({
      name: 'team_b.1',
      sha256: createHash('sha256').update(key).digest('hex'),
      limits: { requestsPerMinute: 60, tokensPerDay: 500_000 },
      models: ['gpt-oss-120b', 'cerebras/qwen-3.8-27b'],
    });
    expect(validateAccessKeys([entry], 'printed entry')).toHaveLength(1);
  });

  it('marks the entry admin with --admin, and only then', () => {
    const admin = printed(keysNew('--name', 'ops', '--admin').stdout).entry;
    expect(admin).toMatchObject({ name: 'ops', admin: true });
    expect(validateAccessKeys([admin], 'printed entry')[0]).toMatchObject({ admin: true });
    expect(printed(keysNew('--name', 'ops').stdout).entry).not.toHaveProperty('admin');
  });

  it('prints a different key each time', () => {
    expect(printed(keysNew('--name', 'a').stdout).key).not.toBe(printed(keysNew('--name', 'a').stdout).key);
  });

  it.each([
    [[], '--name is required'],
    [['--name', 'team a'], '--name must be'],
    [['--name', 'a/b'], '--name must be'],
    [['--name', 'a', '--rpm', '0'], '--rpm must be a whole number'],
    [['--name', 'a', '--tokens-per-day', '1.5'], '--tokens-per-day must be a whole number'],
    [['--name', 'a', '--models', 'x,,y'], '--models must be'],
    [['--name', 'a', '--unknown'], 'Unknown option'],
  ])('refuses %j with a message and prints no key', (args, message) => {
    const run = keysNew(...args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('usage: npm run keys:new');
    expect(run.stdout).not.toContain('gwk_');
  });
});
