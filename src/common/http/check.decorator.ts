import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * A class-validator rule written as a function of the value and the whole object it sits in (a
 * message's role, the request's tools). `message` may depend on the value (to name what was sent).
 */
export function Check(name: string, validate: (value: unknown, object: Record<string, unknown>) => boolean, message: string | ((value: unknown) => string)): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => validate(value, (args?.object ?? {}) as Record<string, unknown>),
        defaultMessage: (args?: ValidationArguments) => (typeof message === 'string' ? message : message(args?.value)),
      },
    });
}
