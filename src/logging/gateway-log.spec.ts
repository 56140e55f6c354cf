import { describe, expect, it } from 'vitest';
import { CapturedLog } from '../../test/support/captured-log.js';
import { createGatewayLog, PinoNestLogger } from './gateway-log.js';

describe('createGatewayLog', () => {
  /** What one line looks like for a reader that is, or is not, a terminal. */
  function written(terminal: boolean, format: 'auto' | 'json' | 'pretty'): string {
    const destination = new CapturedLog();
    createGatewayLog({ level: 'info', format, destination, terminal }).info({ requestId: 'r1' }, 'chat request');
    return destination.text.join('\n');
  }

  it('auto: one JSON object per line when nobody reads it on a terminal (a collector does)', () => {
    const line = JSON.parse(written(false, 'auto')) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', service: 'llm-gateway', requestId: 'r1', msg: 'chat request' });
    expect(Date.parse(line.time as string)).not.toBeNaN();
  });

  it('auto: readable lines, not JSON, on a terminal', () => {
    const text = written(true, 'auto');
    expect(text).toContain('chat request');
    expect(text).toContain('r1');
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  it('json and pretty force either format', () => {
    expect(() => JSON.parse(written(true, 'json'))).not.toThrow();
    expect(() => JSON.parse(written(false, 'pretty'))).toThrow(SyntaxError);
  });
});

describe('PinoNestLogger', () => {
  it("keeps Nest's context, and an error's stack, as fields", () => {
    const log = new CapturedLog();
    const nest = new PinoNestLogger(createGatewayLog({ level: 'info', format: 'json', destination: log }));

    nest.log('Listening on http://127.0.0.1:3000', 'Gateway');
    nest.error('Unexpected failure', 'Error: boom\n    at x', 'Errors');
    nest.debug('not shown at info');

    expect(log.lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'Gateway', msg: 'Listening on http://127.0.0.1:3000' }),
      expect.objectContaining({ level: 'error', context: 'Errors', stack: 'Error: boom\n    at x', msg: 'Unexpected failure' }),
    ]);
  });

  it("logs Nest's start-up inventory (modules loaded, routes mapped) at debug, so a start is a few lines", () => {
    const log = new CapturedLog();
    const nest = new PinoNestLogger(createGatewayLog({ level: 'debug', format: 'json', destination: log }));

    nest.log('AppModule dependencies initialized', 'InstanceLoader');
    nest.log('Mapped {/chat, POST} route', 'RouterExplorer');
    nest.log('Nest application successfully started', 'NestApplication');
    nest.log('Listening on http://127.0.0.1:3000', 'Gateway');

    expect(log.lines.map((line) => line.level)).toEqual(['debug', 'debug', 'debug', 'info']);
  });
});
