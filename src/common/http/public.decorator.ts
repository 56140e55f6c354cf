import { applyDecorators, SetMetadata } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';

export const PUBLIC_ROUTE = 'gateway:public-route';

/**
 * A controller or route that needs no access key even when GATEWAY_API_KEYS is set (the probes),
 * and is documented as such: an empty `security` overrides the document's global requirement.
 */
export function Public(): ClassDecorator & MethodDecorator {
  const documentedAsOpen = (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    Reflect.defineMetadata(DECORATORS.API_SECURITY, [], descriptor ? (descriptor.value as object) : target);
  };
  return applyDecorators(SetMetadata(PUBLIC_ROUTE, true), documentedAsOpen);
}
