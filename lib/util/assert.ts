/**
 * Boundary checks for options and arguments. Each throws a `TypeError` naming the option and
 * the value received, in the style ``Expected `port` to be an integer from 0 to 65535, got `"x"` ``.
 */

/** Renders a received value for an error message, briefly. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `a ${value.constructor.name}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** Throws unless `value` is an integer in `[min, max]`. */
export function assertInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new TypeError(`Expected \`${name}\` to be an integer ${range}, got \`${describe(value)}\``);
  }
}

/** Throws unless `value` is a non-empty string. */
export function assertString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`Expected \`${name}\` to be a non-empty string, got \`${describe(value)}\``);
  }
}

/** Throws unless `value` is a boolean. */
export function assertBoolean(name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new TypeError(`Expected \`${name}\` to be a boolean, got \`${describe(value)}\``);
}

/** Throws unless `value` is a plain object (options bag). */
export function assertOptions(name: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`Expected \`${name}\` to be an object, got \`${describe(value)}\``);
  }
}

/** Throws unless `value` is an `AbortSignal`. */
export function assertSignal(name: string, value: unknown): asserts value is AbortSignal {
  if (!(value instanceof AbortSignal)) throw new TypeError(`Expected \`${name}\` to be an AbortSignal, got \`${describe(value)}\``);
}

/** Copies `options` over `defaults`, ignoring keys whose value is `undefined`. */
export function withDefaults<T extends object>(defaults: T, options: Partial<T> | undefined): T {
  const merged = { ...defaults };
  if (options === undefined) return merged;
  for (const key of Object.keys(options) as Array<keyof T>) {
    const value = options[key];
    if (value !== undefined && Object.hasOwn(defaults, key)) merged[key] = value as T[keyof T];
  }
  return merged;
}
