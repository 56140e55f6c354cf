import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto.js';

export const ADMIN_ROUTE = 'gateway:admin-route';

/**
 * A controller or route that shows every client's traffic (usage, metrics, the dashboard): with
 * GATEWAY_API_KEYS set it needs a key marked `"admin": true`; without keys it is open like the rest.
 */
export function AdminOnly(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    SetMetadata(ADMIN_ROUTE, true),
    ApiForbiddenResponse({
      description: 'GATEWAY_API_KEYS is set and the access key is not an admin key (`admin_key_required`).',
      type: ErrorResponseDto,
    }),
  );
}
