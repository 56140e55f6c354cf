// The log format the built app picks by itself: JSON lines when its output goes to a pipe or a
// file (a collector), readable lines when it is a terminal.
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/gateway-client.js';
import { hello, model, postChat } from '../support/gateway-harness.js';
import { gatewayProcessPerTest } from '../support/gateway-process.js';

const { start } = gatewayProcessPerTest();

const lines = (output: string) => output.split(/\r?\n/).filter((line) => line.trim().length > 0);

describe('LOG_FORMAT=auto', { timeout: 30_000 }, () => {
  it('writes JSON lines when stdout is a pipe', async () => {
    const gateway = await start({ models: [model('groq', 'm')] });
    await (await postChat(gateway, hello)).text();

    const output = await eventually(async () => {
      expect(gateway.output()).toContain('"msg":"chat request"');
      return gateway.output();
    }, 5_000);
    const unparsable = lines(output).filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(unparsable).toEqual([]);
  });

  it('writes readable lines, not JSON, when stdout is a terminal', async () => {
    const gateway = await start({ models: [model('groq', 'm')], terminal: true });
    await (await postChat(gateway, hello)).text();

    const output = await eventually(async () => {
      expect(gateway.output()).toContain('chat request');
      return gateway.output();
    }, 5_000);
    expect(output).toContain('Listening on');
    expect(lines(output).filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
  });
});
