import {
  ArgumentMetadata,
  Type,
  ValidationError,
  ValidationPipe,
  ValidationPipeOptions,
} from '@nestjs/common';

/**
 * Constraints that say what kind of value a field takes. When one of them fails, the
 * field's rules on size or form are noise ("must not be greater than 1024" for a string).
 */
const KIND_CONSTRAINTS = [
  'isDefined',
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'isMillicoreNumber',
  'isStringMap',
  'isCommandLine',
  'isIn',
  'isEnum',
  'nestedValidation',
];

/** A body as its handler gets it when it is surely valid; null when unsure. */
export type PlainBodyCheck = (body: unknown) => object | null;

type LocatedError = ValidationError & { path?: string };

/** The one message that says what is wrong with a field, most basic problem first. */
export function fieldMessage(error: LocatedError): string {
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) return constraints.whitelistValidation;
  if (error.value === undefined || error.value === null) {
    return constraints.isDefined ?? `${error.path ?? error.property} is required`;
  }
  const kind = KIND_CONSTRAINTS.find((name) => constraints[name] !== undefined);
  return constraints[kind ?? Object.keys(constraints)[0]];
}

/**
 * Nest's ValidationPipe with one message per field: "name is required" for a missing
 * field, "cpu_cores must be a number" for a string, and only then the rules on its range
 * or form, rather than every rule the value breaks.
 */
export class FieldValidationPipe extends ValidationPipe {
  constructor(
    options: ValidationPipeOptions = {},
    /**
     * Bodies a hot path sends all the time, checked by hand: each check returns the body
     * when it is surely valid, or null to have it validated in full (and its errors told).
     */
    private readonly plainBodies: ReadonlyMap<Type<unknown>, PlainBodyCheck> = new Map(),
  ) {
    // the values tell a missing field from a wrong one; they are never sent back
    super({ ...options, validationError: { target: false, value: true } });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype) {
      const plain = this.plainBodies.get(metadata.metatype)?.(value);
      if (plain) return plain;
    }
    return super.transform(value, metadata);
  }

  protected override prependConstraintsWithParentProp(
    parentPath: string,
    error: ValidationError,
  ): ValidationError {
    const located: LocatedError = super.prependConstraintsWithParentProp(parentPath, error);
    located.path = `${parentPath}.${error.property}`;
    return located;
  }

  protected override flattenValidationErrors(errors: ValidationError[]): string[] {
    const messages: string[] = [];
    for (const error of errors) {
      for (const field of this.mapChildrenToValidationErrors(error)) {
        if (field.constraints && Object.keys(field.constraints).length)
          messages.push(fieldMessage(field));
      }
    }
    return messages;
  }
}
