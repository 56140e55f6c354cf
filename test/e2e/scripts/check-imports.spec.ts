// scripts/check-imports.mjs (part of `npm run lint`): imports between src/ folders point one way.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../../scripts/check-imports.mjs', import.meta.url));
const trees: string[] = [];

afterEach(() => {
  for (const tree of trees.splice(0)) rmSync(tree, { recursive: true, force: true });
});

/** A src/ tree of files given as path => content; returns what the check said and its exit code. */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'imports-'));
  trees.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const result = spawnSync(process.execPath, [SCRIPT, root], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('check-imports', () => {
  it('passes the gateway’s own src/', () => {
    const result = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes a tree whose imports point one way', () => {
    expect(
      check({
        'common/errors.ts': 'export class E {}\n',
        'config/env.ts': "import { E } from '../common/errors.js';\n",
        'usage/tracker.ts': "import { E } from '../common/errors.js';\nimport type { X } from '../config/env.js';\n",
        'redis/store.ts': "import { T } from '../usage/tracker.js';\n",
      }).status,
    ).toBe(0);
  });

  it('fails on common/ or config/ importing a folder above them', () => {
    const result = check({
      'common/errors.ts': "import { S } from '../chat/service.js';\n",
      'chat/service.ts': 'export class S {}\n',
    });
    expect(result.status).toBe(1);
    expect(result.output).toContain('common -> chat: common/ may import only itself');
    expect(result.output).toContain('/common/errors.ts:1)');
  });

  it('fails on a cycle between features, naming it', () => {
    const result = check({
      'usage/tracker.ts': "import type { S } from '../redis/store.js';\n",
      'redis/store.ts': "import { T } from '../usage/tracker.js';\n",
    });
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/cycle (usage -> redis -> usage|redis -> usage -> redis)/);
  });
});
