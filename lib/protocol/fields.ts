import { PieChatError } from '../errors.js';

/** A decoded JSON object from the wire: only read through the checked accessors below. */
export type WireObject = Readonly<Record<string, unknown>>;

/** Largest string any protocol field may hold unless a tighter limit applies. */
export const MAX_FIELD_LENGTH = 1024;

function invalid(object: WireObject, key: string, expected: string): PieChatError {
  const type = typeof object.t === 'string' ? `"${object.t.slice(0, 32)}" message` : 'message';
  return new PieChatError('ERR_PROTOCOL', `Invalid ${type}: \`${key}\` must be ${expected}`);
}

/**
 * Parses a control frame payload into an object. Anything that is not a JSON object with a
 * string `t` is a protocol error. Own `__proto__` keys created by `JSON.parse` are inert: values
 * are only ever read by name through the accessors below, never merged into other objects.
 */
export function decodeJsonObject(payload: Buffer): WireObject {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new PieChatError('ERR_PROTOCOL', 'Control frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PieChatError('ERR_PROTOCOL', 'Control frame is not a JSON object');
  }
  const object = value as WireObject;
  if (typeof object.t !== 'string') throw invalid(object, 't', 'a string');
  return object;
}

/** Reads a required string of at most `max` characters. */
export function readString(object: WireObject, key: string, max = MAX_FIELD_LENGTH): string {
  const value = object[key];
  if (typeof value !== 'string' || value.length > max) throw invalid(object, key, `a string of at most ${max} characters`);
  return value;
}

/** Reads an optional string; `undefined` and `null` mean absent. */
export function readOptionalString(object: WireObject, key: string, max = MAX_FIELD_LENGTH): string | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : readString(object, key, max);
}

/** Reads a required non-negative safe integer. */
export function readCount(object: WireObject, key: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(object, key, 'a non-negative integer');
  }
  return value;
}

/** Reads an optional non-negative safe integer. */
export function readOptionalCount(object: WireObject, key: string): number | undefined {
  const value = object[key];
  return value === undefined || value === null ? undefined : readCount(object, key);
}

/** Reads an optional boolean. */
export function readOptionalBoolean(object: WireObject, key: string): boolean | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(object, key, 'a boolean');
  return value;
}

/** Reads an array of at most `maxItems` strings, each at most `max` characters. */
export function readStringArray(object: WireObject, key: string, maxItems: number, max = MAX_FIELD_LENGTH): string[] {
  const value = object[key];
  if (!Array.isArray(value) || value.length > maxItems) throw invalid(object, key, `an array of at most ${maxItems} strings`);
  for (const item of value) {
    if (typeof item !== 'string' || item.length > max) throw invalid(object, key, `an array of strings of at most ${max} characters`);
  }
  return value as string[];
}

/** Reads a nested object. */
export function readObject(object: WireObject, key: string): WireObject {
  const value = object[key];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(object, key, 'an object');
  return value as WireObject;
}

/** Reads one of a fixed set of string values. */
export function readEnum<T extends string>(object: WireObject, key: string, allowed: ReadonlySet<string>): T {
  const value = object[key];
  if (typeof value !== 'string' || !allowed.has(value)) throw invalid(object, key, `one of ${[...allowed].join(', ')}`);
  return value as T;
}

/** Reads an array of objects, at most `maxItems`. */
export function readObjectArray(object: WireObject, key: string, maxItems: number): WireObject[] {
  const value = object[key];
  if (!Array.isArray(value) || value.length > maxItems) throw invalid(object, key, `an array of at most ${maxItems} objects`);
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid(object, key, 'an array of objects');
  }
  return value as WireObject[];
}
