/**
 * The shape of a checkpoint's JSON header, checked field by field before anything reads it. A checkpoint is
 * a file a learner opens: its CRC catches damage, not intent, so every value the app will use is checked
 * here to be of the type and range the encoder writes. A check names the first field that is wrong
 * (`scalars.shuffle.s[2]`, `history[14].loss`), which the decoder puts into its message.
 */

/** A value of the wrong shape, at `field`. */
export class HeaderShapeError extends Error {
  constructor(readonly field: string) {
    super(`checkpoint header field ${field} is not valid`);
  }
}

export type Check = (value: unknown, field: string) => void;

const fail = (field: string): never => {
  throw new HeaderShapeError(field);
};

/** Keys a parsed header may never use: assigning them to an ordinary object reaches its prototype. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Own property names are checked before use: no reserved key, and at most this long. */
export function isSafeKey(key: string): boolean {
  return key.length > 0 && key.length <= 200 && !RESERVED_KEYS.has(key);
}

export const finite: Check = (v, field) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field);
};
/** A whole number ≥ 0 that a double holds exactly. */
export const count: Check = (v, field) => {
  if (!Number.isSafeInteger(v) || (v as number) < 0) fail(field);
};
/** A 32-bit word, signed or not (the generators' state words are either, depending on their last operation). */
export const word32: Check = (v, field) => {
  if (!Number.isInteger(v) || (v as number) < -0x80000000 || (v as number) > 0xffffffff) fail(field);
};
export const fraction: Check = (v, field) => {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(field);
};
export const bool: Check = (v, field) => {
  if (typeof v !== 'boolean') fail(field);
};
export function text(maxLength = 2000): Check {
  return (v, field) => {
    if (typeof v !== 'string' || v.length > maxLength) fail(field);
  };
}
export function oneOf(...values: readonly (string | number | boolean | null)[]): Check {
  return (v, field) => {
    if (!values.includes(v as string)) fail(field);
  };
}
export function nullable(check: Check): Check {
  return (v, field) => {
    if (v !== null) check(v, field);
  };
}
export function arrayOf(check: Check, maxLength = 1_000_000, minLength = 0): Check {
  return (v, field) => {
    if (!Array.isArray(v) || v.length > maxLength || v.length < minLength) fail(field);
    (v as unknown[]).forEach((item, i) => check(item, `${field}[${i}]`));
  };
}

/** A plain object (what JSON.parse makes), not an array or null. */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A map from safe keys to values of one kind. */
export function recordOf(check: Check, maxKeys = 1000): Check {
  return (v, field) => {
    if (!isRecord(v)) return fail(field);
    const keys = Object.keys(v);
    if (keys.length > maxKeys) fail(field);
    for (const key of keys) {
      if (!isSafeKey(key)) fail(`${field}.${key}`);
      check(v[key], `${field}.${key}`);
    }
  };
}

/** Fields the encoder may leave out. */
const OPTIONAL = Symbol('optional');
type FieldCheck = Check & { [OPTIONAL]?: true };
export function optional(check: Check): Check {
  const c: FieldCheck = (v, field) => {
    if (v !== undefined) check(v, field);
  };
  c[OPTIONAL] = true;
  return c;
}

/** An object with exactly these fields (optional ones may be missing) and no others. */
export function objectOf(fields: Record<string, Check>): Check {
  return (v, field) => {
    if (!isRecord(v)) return fail(field);
    for (const key of Object.keys(v)) if (!Object.hasOwn(fields, key)) fail(`${field}.${key}`);
    for (const [key, check] of Object.entries(fields)) {
      if (!Object.hasOwn(v, key) && !(check as FieldCheck)[OPTIONAL]) fail(`${field}.${key}`);
      check(v[key], `${field}.${key}`);
    }
  };
}

/** One of several object shapes, chosen by the value of `tag` (an event's `event` field). */
export function taggedUnion(tag: string, shapes: Record<string, Check>): Check {
  return (v, field) => {
    if (!isRecord(v) || typeof v[tag] !== 'string' || !Object.hasOwn(shapes, v[tag] as string)) return fail(`${field}.${tag}`);
    shapes[v[tag] as string](v, field);
  };
}

/** Whether `value` passes `check` (for data that is dropped rather than refused when it does not). */
export function passes(check: Check, value: unknown): boolean {
  try {
    check(value, '');
    return true;
  } catch (error) {
    if (error instanceof HeaderShapeError) return false;
    throw error;
  }
}
