/**
 * Options of {@link unserialize} and their validation.
 * @module
 */

import { asciiLower } from "./names.ts";

/** Options of `unserialize`. */
export interface UnserializeOptions {
  /**
   * Return a tree that re-serializes to the same bytes: every `d:` as `PhpFloat`, arrays that are
   * not lists as `Map` (int vs string keys and order kept), `R:` as shared `PhpRef` boxes.
   * Default `false`.
   */
  exact?: boolean;
  /** Decode PHP arrays that are not lists as `Map` (keeps int keys and order) instead of plain objects. Default `false`. */
  mapArrays?: boolean;
  /** Deepest nesting of non-empty arrays and objects, like PHP's `max_depth`; 0 = unlimited. Default 4096. */
  maxDepth?: number;
  /**
   * Classes whose `O:`/`C:` objects decode as `PhpObject`/`PhpCustom` (`true`: all, the default;
   * `false`: none; or a list of names, compared case-insensitively). Others decode as
   * `PhpIncompleteObject`. No class is ever instantiated whatever this says.
   */
  allowedClasses?: boolean | readonly string[];
  /** Accept bytes after a complete value, as PHP 8.2 does silently. Default `true`. */
  allowTrailingBytes?: boolean;
  /** Receives PHP's warnings and notices (clamped ints, depth limit, ...) in the order PHP emits them. */
  onWarning?: (warning: UnserializeWarning) => void;
}

/** A diagnostic PHP's `unserialize()` would emit. */
export interface UnserializeWarning {
  level: "Warning" | "Notice";
  /** PHP's text, e.g. `Numerical result out of range`. */
  message: string;
  /** `true` when PHP prints it without the `unserialize(): ` prefix (e.g. `Bad unserialize data`). */
  bare: boolean;
}

/** {@link UnserializeOptions} checked and with defaults applied. */
export interface DecodeSettings {
  exact: boolean;
  keyedAsMap: boolean;
  maxDepth: number;
  /** `null`: every class allowed; otherwise the allowed names in ASCII lower case. */
  allowed: Set<string> | null;
  allowTrailing: boolean;
  onWarning: ((warning: UnserializeWarning) => void) | undefined;
}

/** PHP's default `unserialize_max_depth`. */
export const DEFAULT_MAX_DEPTH = 4096;

const DEFAULT_SETTINGS: DecodeSettings = Object.freeze({
  exact: false,
  keyedAsMap: false,
  maxDepth: DEFAULT_MAX_DEPTH,
  allowed: null,
  allowTrailing: true,
  onWarning: undefined,
});

/** Validates options (`RangeError`/`TypeError` on bad ones) and applies defaults. */
export function decodeSettings(options: UnserializeOptions | undefined): DecodeSettings {
  if (options === undefined) return DEFAULT_SETTINGS;
  const exact = options.exact === true;
  return {
    exact,
    keyedAsMap: exact || options.mapArrays === true,
    maxDepth: checkMaxDepth(options.maxDepth),
    allowed: allowedSet(options.allowedClasses),
    allowTrailing: options.allowTrailingBytes !== false,
    onWarning: options.onWarning,
  };
}

function checkMaxDepth(maxDepth: number | undefined): number {
  if (maxDepth === undefined) return DEFAULT_MAX_DEPTH;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) throw new RangeError(`maxDepth must be an integer >= 0 (0 = unlimited), got ${maxDepth}`);
  return maxDepth;
}

function allowedSet(allowed: boolean | readonly string[] | undefined): Set<string> | null {
  if (allowed === undefined || allowed === true) return null;
  if (allowed === false) return new Set();
  if (!Array.isArray(allowed)) throw new TypeError("allowedClasses must be a boolean or an array of class names");
  return new Set(allowed.map((name) => asciiLower(String(name))));
}
