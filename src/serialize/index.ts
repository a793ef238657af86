/**
 * PHP `serialize()` / `unserialize()` for Bun, byte-compatible with PHP 8.2: 64-bit ints as
 * `bigint`, exact floats (`INF`, `NAN`, `-0`), binary strings as `Uint8Array`, objects with
 * private/protected properties, enums, `Serializable` payloads and references. Never runs code or
 * instantiates classes while decoding.
 *
 * @example
 * ```ts
 * import { serialize, unserialize, PhpObject } from "bun-sysv";
 * const bytes = serialize({ id: 1, user: new PhpObject("User", { name: "ann" }) });
 * unserialize(bytes); // { id: 1, user: PhpObject { className: "User", ... } }
 * ```
 * @module
 */
export { serialize } from "./encode.ts";
export { unserialize } from "./decode.ts";
export type { UnserializeOptions, UnserializeWarning } from "./decode.ts";
export { formatPhpFloat } from "./float.ts";
export { isCanonicalIntString, phpArrayKey } from "./keys.ts";
export { mangleProperty } from "./names.ts";
export { isPhpArray, PhpCustom, PhpEnum, PhpFloat, PhpIncompleteObject, PhpObject, PhpRef } from "./types.ts";
export { phpFloatToString, printR, varDump, varExport, type VarExportOptions } from "./print.ts";
export type { PhpKey, PhpPropertiesInit, PhpProperty, PhpValue, Visibility } from "./types.ts";
