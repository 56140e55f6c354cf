import type { Logger } from '@nestjs/common';
import { StreamInterruptedError } from '../common/errors/gateway-errors.js';

/** What to tell a client whose answer broke off after it began. */
export function describeInterruption(error: unknown, logger: Logger): { code: string; message: string } {
  if (error instanceof StreamInterruptedError) return { code: error.code, message: error.message };
  logger.error('Unexpected failure while streaming', error instanceof Error ? error.stack : String(error));
  return { code: 'internal_error', message: 'The gateway failed while streaming; the answer is incomplete.' };
}
