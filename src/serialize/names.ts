/**
 * PHP names: class-name validity (what `unserialize` accepts) and property name (un)mangling.
 *
 * @example
 * ```ts
 * import { mangleProperty } from "bun-sysv";
 * mangleProperty("b", "protected");      // "\0*\0b"
 * mangleProperty("c", "private", "Foo"); // "\0Foo\0c"
 * ```
 * @module
 */

import type { PhpKey, PhpProperty, Visibility } from "./types.ts";
import { bufferView, decodeName, decodeString } from "./utf8.ts";

/**
 * The serialized property name for a visibility: `name`, `"\0*\0name"` or `"\0Class\0name"`.
 *
 * @example
 * ```ts
 * mangleProperty("b", "protected");      // "\0*\0b"
 * mangleProperty("c", "private", "Foo"); // "\0Foo\0c"
 * ```
 */
export function mangleProperty(name: string, visibility: Visibility, declaringClass?: string): string {
  if (visibility === "public") return name;
  if (visibility === "protected") return `\0*\0${name}`;
  if (!declaringClass) throw new TypeError(`private property "${name}" needs its declaring class`);
  return `\0${declaringClass}\0${name}`;
}

/** A property from its serialized name: `"\0*\0p"` protected, `"\0Class\0p"` private, else public. */
export function unmangle(key: PhpKey): PhpProperty {
  if (typeof key === "string" && key.charCodeAt(0) === 0) {
    const end = key.indexOf("\0", 1);
    if (end > 1) {
      const owner = key.slice(1, end);
      const name = key.slice(end + 1);
      if (owner === "*") return { name, value: null, visibility: "protected", declaringClass: undefined };
      return { name, value: null, visibility: "private", declaringClass: owner };
    }
  } else if (typeof key === "object" && key[0] === 0) {
    const end = key.indexOf(0, 1);
    if (end > 1) {
      const name = decodeString(key, end + 1, key.length);
      const visibility: Visibility = end === 2 && key[1] === 0x2a ? "protected" : "private";
      const owner = visibility === "private" ? decodeName(key, 1, end) : undefined;
      return { name, value: null, visibility, declaringClass: owner };
    }
  }
  return { name: key, value: null, visibility: "public", declaringClass: undefined };
}

/** Identity of a property name as PHP sees it (an int name is its decimal string). */
export function propertyId(key: PhpKey): string {
  return typeof key === "object" ? `\udc00${bufferView(key).toString("latin1")}` : String(key);
}

/** A class name PHP can look up: not empty, no leading backslash, only class-name bytes. */
export function isValidClassName(b: Uint8Array, start: number, end: number): boolean {
  return start !== end && b[start] !== 0x5c && hasClassNameChars(b, start, end);
}

/** PHP's zend_is_valid_class_name: only letters, digits, `_`, backslash and bytes >= 0x80. */
export function hasClassNameChars(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (!(isLabelByte(c) || c === 0x5c)) return false;
  }
  return true;
}

/** A PHP label (enum case, constant): `[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*`. */
export function isValidIdentifier(b: Uint8Array, start: number, end: number): boolean {
  if (start === end || (b[start]! >= 0x30 && b[start]! <= 0x39)) return false;
  for (let i = start; i < end; i++) if (!isLabelByte(b[i]!)) return false;
  return true;
}

function isLabelByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c >= 0x80;
}

/** ASCII-only lower case, like PHP's zend_str_tolower (class names compare this way). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}
