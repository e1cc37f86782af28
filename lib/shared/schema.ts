/**
 * A small schema language for JSON frames: declare a frame's fields once,
 * get both the TypeScript type and the runtime check from that declaration.
 *
 * The way `@std/cli`'s `parseArgs` derives its result type from its options,
 * {@linkcode Shape} derives an object type from a field table, and
 * {@linkcode compileFields} turns the same table into a checker. A field
 * added to a table is typed everywhere and checked on every decode; nothing
 * ties two hand-written copies together because there are none.
 *
 * @example
 * ```ts
 * const point = { x: num, y: num, label: opt(str) } as const;
 * type Point = Shape<typeof point>; // { x: number; y: number; label?: string }
 * const check = compileFields(point);
 * check({ x: 1, y: 2 }); // undefined: valid
 * check({ x: 1 });       // 'needs "y" (number)'
 * ```
 *
 * @module
 */

/** One field of a frame. */
export type FieldSpec =
  | { readonly kind: "string" | "number" | "boolean" | "any" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "array"; readonly of: FieldSpec }
  | { readonly kind: "object"; readonly fields: Fields }
  | { readonly kind: "map"; readonly of: FieldSpec };

/** A field that may be left out. */
export type Optional<S extends FieldSpec> = S & { readonly optional: true };

/** The fields of a frame, by name. */
export type Fields = { readonly [name: string]: FieldSpec };

/** A string field. */
export const str = { kind: "string" } as const;
/** A finite number field. */
export const num = { kind: "number" } as const;
/** A boolean field. */
export const bool = { kind: "boolean" } as const;
/** A field of any JSON value. */
export const any = { kind: "any" } as const;

/** A field that may be left out. */
export function opt<S extends FieldSpec>(spec: S): Optional<S> {
  return { ...spec, optional: true };
}

/** A string field that holds one of `values`. */
export function oneOf<const V extends readonly string[]>(
  values: V,
): { readonly kind: "enum"; readonly values: V } {
  return { kind: "enum", values };
}

/** An array field whose items match `of`. */
export function arrayOf<const S extends FieldSpec>(
  of: S,
): { readonly kind: "array"; readonly of: S } {
  return { kind: "array", of };
}

/** A nested object field with its own fields. */
export function object<const F extends Fields>(
  fields: F,
): { readonly kind: "object"; readonly fields: F } {
  return { kind: "object", fields };
}

/** An object field used as a map from any key to values matching `of`. */
export function mapOf<const S extends FieldSpec>(
  of: S,
): { readonly kind: "map"; readonly of: S } {
  return { kind: "map", of };
}

/** Flattens an intersection into one object type, for readable hovers. */
export type Simplify<T> = { [K in keyof T]: T[K] };

/** The TypeScript type of the value a field holds. */
export type ValueOf<S> = S extends { kind: "string" } ? string
  : S extends { kind: "number" } ? number
  : S extends { kind: "boolean" } ? boolean
  : S extends { kind: "enum"; values: readonly (infer V)[] } ? V
  : S extends { kind: "array"; of: infer O } ? ValueOf<O>[]
  : S extends { kind: "object"; fields: infer F } ? Shape<F>
  : S extends { kind: "map"; of: infer O } ? Record<string, ValueOf<O>>
  : unknown;

/** The object type a field table describes: optional fields become `?:`. */
export type Shape<F> = Simplify<
  & {
    -readonly [K in keyof F as F[K] extends { optional: true } ? never : K]:
      ValueOf<F[K]>;
  }
  & {
    -readonly [K in keyof F as F[K] extends { optional: true } ? K : never]?:
      ValueOf<F[K]>;
  }
>;

/** A table of frame types, each with its fields. */
export type FrameTable = { readonly [type: string]: Fields };

/** The union of frames a table describes, each with its `type`. */
export type FrameOf<T extends FrameTable> = {
  [K in keyof T & string]: Simplify<{ type: K } & Shape<T[K]>>;
}[keyof T & string];

/**
 * Checks a value against fields; returns `undefined` when it matches, or
 * what is wrong, in words for the sender (`'needs "id" (string)'`).
 */
export type FieldsCheck = (
  record: Record<string, unknown>,
) => string | undefined;

/** Compiles a field table into a checker, once; the check only compares. */
export function compileFields(fields: Fields): FieldsCheck {
  const entries = Object.entries(fields).map(([name, spec]) => ({
    name,
    spec,
    optional: "optional" in spec && spec.optional === true,
    check: compileValue(spec),
  }));
  return (record) => {
    for (const { name, spec, optional, check } of entries) {
      const value = record[name];
      if (value === undefined) {
        if (optional) continue;
        return `needs "${name}" (${describe(spec)})`;
      }
      const problem = check(value);
      if (problem !== undefined) return `"${name}" ${problem}`;
    }
    return undefined;
  };
}

/** Words for a field's expected type: `string`, `one of join, leave`. */
export function describe(spec: FieldSpec): string {
  switch (spec.kind) {
    case "enum":
      return `one of ${spec.values.join(", ")}`;
    case "array":
      return `array of ${describe(spec.of)}`;
    case "map":
      return `object of ${describe(spec.of)}`;
    case "any":
      return "any value";
    default:
      return spec.kind;
  }
}

function compileValue(spec: FieldSpec): (value: unknown) => string | undefined {
  switch (spec.kind) {
    case "any":
      return () => undefined;
    case "string":
      return (v) => typeof v === "string" ? undefined : "must be a string";
    case "number":
      return (v) =>
        typeof v === "number" && Number.isFinite(v)
          ? undefined
          : "must be a number";
    case "boolean":
      return (v) => typeof v === "boolean" ? undefined : "must be a boolean";
    case "enum": {
      const allowed = new Set(spec.values);
      return (v) =>
        typeof v === "string" && allowed.has(v)
          ? undefined
          : `must be ${describe(spec)}`;
    }
    case "array": {
      const item = compileValue(spec.of);
      return (v) => {
        if (!Array.isArray(v)) return "must be an array";
        for (let i = 0; i < v.length; i++) {
          const problem = item(v[i]);
          if (problem !== undefined) return `[${i}] ${problem}`;
        }
        return undefined;
      };
    }
    case "map": {
      const item = compileValue(spec.of);
      return (v) => {
        if (!isRecord(v)) return "must be an object";
        for (const [key, value] of Object.entries(v)) {
          const problem = item(value);
          if (problem !== undefined) return `.${key} ${problem}`;
        }
        return undefined;
      };
    }
    case "object": {
      const check = compileFields(spec.fields);
      return (v) => isRecord(v) ? check(v) : "must be an object";
    }
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
