import { getMetadataStorage, IsInt, IsOptional, IsString } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { DropsUnknownFields, droppedFieldsOf, GatewayValidationPipe } from './validation.pipe.js';

class Strict {
  @IsString() name: string;
}

@DropsUnknownFields()
class Lenient {
  @IsString() name: string;
  @IsOptional() @IsInt() count?: number;
}

class Child extends Strict {
  @IsInt() age: number;
}

const invalid = (errors: unknown) => Object.assign(new Error('invalid'), { errors });
const pipe = new GatewayValidationPipe(invalid);
const body = (metatype: new () => object) => ({ type: 'body' as const, metatype });

describe('GatewayValidationPipe', () => {
  it('refuses an unknown field of a strict body', async () => {
    await expect(pipe.transform({ name: 'a', extra: 1 }, body(Strict))).rejects.toThrow('invalid');
  });

  it('strips the unknown fields of a lenient body and remembers their names', async () => {
    const result = (await pipe.transform({ name: 'a', extra: 1, other: { x: 1 } }, body(Lenient))) as Lenient;
    expect(result).toEqual(Object.assign(new Lenient(), { name: 'a' }));
    expect(droppedFieldsOf(result).sort()).toEqual(['extra', 'other']);
  });

  it('still refuses a lenient body whose known fields are wrong', async () => {
    await expect(pipe.transform({ name: 7 }, body(Lenient))).rejects.toThrow('invalid');
  });

  it("looks a class's rules up once, with the same answer as class-validator, inherited rules included", async () => {
    const storage = getMetadataStorage();
    const first = storage.getTargetValidationMetadatas(Child, '', false, false);
    expect(storage.getTargetValidationMetadatas(Child, '', false, false)).toBe(first);
    expect(first.map((rule) => rule.propertyName).sort()).toEqual(['age', 'name']);
    await expect(pipe.transform({ name: 'a', age: 'x' }, body(Child))).rejects.toThrow('invalid');
    await expect(pipe.transform({ name: 'a', age: 3 }, body(Child))).resolves.toEqual(Object.assign(new Child(), { name: 'a', age: 3 }));
  });
});
