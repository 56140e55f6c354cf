// The client code in docs/api.md, run as written against the gateway: a reader copies it, so it must
// survive what real answers hold (U+2028 and U+2029 in content, astral characters).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gatewayPerTest } from '../support/gateway-client.js';
import { model } from '../support/gateway-harness.js';

const start = gatewayPerTest();
const API_DOC = readFileSync(fileURLToPath(new URL('../../docs/api.md', import.meta.url)), 'utf8');

/** The first ```js block after the line that starts with `intro`. */
function codeAfter(intro: string): string {
  const from = API_DOC.indexOf(intro);
  if (from === -1) throw new Error(`docs/api.md has no "${intro}"`);
  const match = /```js\n([\s\S]*?)```/.exec(API_DOC.slice(from));
  if (!match) throw new Error(`no js block after "${intro}"`);
  return match[1]!;
}

type AsyncFunctionConstructor = new (...args: string[]) => (...values: unknown[]) => Promise<void>;
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as AsyncFunctionConstructor;

describe('docs/api.md examples', () => {
  it('the fetch SSE reader prints the whole answer, U+2028 and U+2029 included', async () => {
    const gw = await start({ models: [model('groq', 'm')] });
    const content = ['Line one\u2028line two', '\u2029para', ' 😀 done'];
    gw.sim.setBehaviour('groq', 'm', { kind: 'ok', content });
    const code = codeAfter('Reading the stream with `fetch`').replaceAll('http://localhost:3000', gw.url);
    let printed = '';
    const fakeProcess = { stdout: { write: (text: string) => (printed += text) } };

    await new AsyncFunction('fetch', 'process', code)(fetch, fakeProcess);

    expect(printed).toBe(content.join(''));
  });
});
