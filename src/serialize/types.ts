/**
 * JS values for the PHP things JS has no word for: objects of a PHP class ({@link PhpObject}),
 * enum cases ({@link PhpEnum}), legacy `Serializable` payloads ({@link PhpCustom}), floats that
 * must stay floats ({@link PhpFloat}) and `&` references ({@link PhpRef}).
 *
 * None of them runs PHP code or builds a class: they are plain data, safe to receive from anyone.
 *
 * @example
 * ```ts
 * import { PhpEnum, PhpObject, serialize } from "bun-sysv";
 * const user = new PhpObject("User", { name: "ann" });
 * user.set("secret", "x", "private");
 * serialize([user, new PhpEnum("Suit", "Hearts")]);
 * // a:2:{i:0;O:4:"User":2:{s:4:"name";s:3:"ann";s:12:"\0User\0secret";s:1:"x";}i:1;E:11:"Suit:Hearts";}
 * ```
 * @module
 */

import type { PhpString } from "../bytes.ts";
import { decodeName } from "./utf8.ts";

export type { PhpString };

/** A key of a decoded PHP array held in a `Map`: an int (`number`, or `bigint` beyond 2^53) or a string. */
export type PhpKey = number | bigint | string | Uint8Array;

/** Visibility of a PHP property; decides how its name is mangled in `serialize()` output. */
export type Visibility = "public" | "protected" | "private";

/** One property of a {@link PhpObject}. */
export interface PhpProperty {
  /**
   * Unmangled name. A `number` (`bigint` beyond 2^53) when the serialized key was an int
   * (`__serialize()` bodies such as ArrayObject's); a `Uint8Array` when not valid UTF-8.
   */
  name: string | number | bigint | Uint8Array;
  /** The property value. */
  value: unknown;
  /** `public` (`"p"`), `protected` (`"\0*\0p"`) or `private` (`"\0Class\0p"`). */
  visibility: Visibility;
  /** The class that declares a private property (its name goes into the mangled key); `undefined` otherwise. */
  declaringClass: string | undefined;
}

/** Properties given as a record (all public) or as a list of {@link PhpProperty}. */
export type PhpPropertiesInit = Record<string, unknown> | Iterable<PhpProperty>;

/**
 * A PHP object as data: class name plus properties in order, with visibility. `unserialize` never
 * creates an instance of a real class; every `O:` becomes one of these.
 *
 * @example
 * ```ts
 * import { PhpObject, serialize } from "bun-sysv";
 * const o = new PhpObject("Foo", { a: 1 }).set("b", 2, "protected").set("c", 3, "private");
 * new TextDecoder().decode(serialize(o));
 * // 'O:3:"Foo":3:{s:1:"a";i:1;s:4:"\0*\0b";i:2;s:6:"\0Foo\0c";i:3;}'
 * o.get("c"); // 3
 * ```
 */
export class PhpObject {
  /** The class name as PHP wrote it (`"stdClass"`, `"App\\User"`). */
  className: string;
  /** Properties in serialization order. */
  properties: PhpProperty[];

  constructor(className: string, properties: PhpPropertiesInit = {}) {
    this.className = className;
    this.properties = [];
    if (isIterable(properties)) {
      for (const p of properties) this.properties.push(property(p.name, p.value, p.visibility, p.declaringClass));
    } else {
      for (const name of Object.keys(properties)) this.properties.push(property(name, properties[name], "public", undefined));
    }
  }

  /**
   * The value of the first property called `name` (any visibility; narrow with `declaringClass` for
   * a private property redeclared by a subclass), or `undefined`.
   */
  get(name: string | number, declaringClass?: string): unknown {
    return this.find(name, declaringClass)?.value;
  }

  /** Whether a property called `name` exists (any visibility). */
  has(name: string | number, declaringClass?: string): boolean {
    return this.find(name, declaringClass) !== undefined;
  }

  /**
   * Sets a property, replacing the one with the same mangled name or appending a new one.
   * A private property's declaring class defaults to this object's class. Returns `this`.
   */
  set(name: string | number, value: unknown, visibility: Visibility = "public", declaringClass?: string): this {
    const owner = visibility === "private" ? declaringClass ?? this.className : undefined;
    const key = String(name);
    for (const p of this.properties) {
      if (String(p.name) === key && p.visibility === visibility && p.declaringClass === owner) {
        p.value = value;
        return this;
      }
    }
    this.properties.push(property(name, value, visibility, owner));
    return this;
  }

  /** Removes every property called `name` (optionally only the private one of `declaringClass`). */
  delete(name: string | number, declaringClass?: string): boolean {
    const before = this.properties.length;
    this.properties = this.properties.filter((p) => !matches(p, String(name), declaringClass));
    return this.properties.length !== before;
  }

  /**
   * The properties as a record by unmangled name (the first wins when a name repeats; a name that
   * is not UTF-8 maps its stray bytes to U+DC80..U+DCFF). The record has no prototype.
   */
  toObject(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    for (const p of this.properties) {
      const key = typeof p.name === "object" ? decodeName(p.name, 0, p.name.length) : String(p.name);
      if (!(key in out)) out[key] = p.value;
    }
    return out;
  }

  private find(name: string | number, declaringClass: string | undefined): PhpProperty | undefined {
    const key = String(name);
    for (const p of this.properties) if (matches(p, key, declaringClass)) return p;
    return undefined;
  }
}

/**
 * An object whose class was not in `allowedClasses`: PHP's `__PHP_Incomplete_Class`. `className`
 * says so; the real name is kept in `originalClassName` (and a `C:` payload in `customData`) so
 * `serialize` writes the original bytes back, as PHP does.
 *
 * @example
 * ```ts
 * import { PhpIncompleteObject, unserialize } from "bun-sysv";
 * const o = unserialize('O:5:"Admin":0:{}', { allowedClasses: ["User"] });
 * o instanceof PhpIncompleteObject;        // true
 * [o.className, o.originalClassName];      // ["__PHP_Incomplete_Class", "Admin"]
 * ```
 */
export class PhpIncompleteObject extends PhpObject {
  /** The class name found in the input. */
  originalClassName: string;
  /** The raw payload when the input was a `C:` (Serializable) object. */
  customData: Uint8Array | undefined;

  constructor(originalClassName: string, properties: PhpPropertiesInit = {}, customData?: Uint8Array) {
    super("__PHP_Incomplete_Class", properties);
    this.originalClassName = originalClassName;
    this.customData = customData;
  }
}

/**
 * A PHP enum case (`E:11:"Suit:Hearts";`). Two equal cases serialize like PHP's singleton (`r:`).
 *
 * @example
 * ```ts
 * import { PhpEnum, serialize } from "bun-sysv";
 * new TextDecoder().decode(serialize(new PhpEnum("Suit", "Hearts"))); // 'E:11:"Suit:Hearts";'
 * ```
 */
export class PhpEnum {
  /** The enum's class name. */
  className: string;
  /** The case name. */
  caseName: string;

  constructor(className: string, caseName: string) {
    this.className = className;
    this.caseName = caseName;
  }
}

/**
 * An object of a class implementing PHP's legacy `Serializable`: `C:<len>:"Class":<len>:{<data>}`.
 * The payload is kept as raw bytes; nothing interprets it.
 *
 * @example
 * ```ts
 * import { PhpCustom, serialize } from "bun-sysv";
 * new TextDecoder().decode(serialize(new PhpCustom("OldSer", new TextEncoder().encode("abc"))));
 * // 'C:6:"OldSer":3:{abc}'
 * ```
 */
export class PhpCustom {
  /** The class name. */
  className: string;
  /** The raw payload between the braces. */
  data: Uint8Array;

  constructor(className: string, data: Uint8Array) {
    this.className = className;
    this.data = data;
  }
}

/**
 * A number that must be written as a PHP float (`d:`) even when it is integral: `d:1;` rather than
 * `i:1;`. Exact mode returns every `d:` as one of these.
 *
 * @example
 * ```ts
 * import { PhpFloat, serialize } from "bun-sysv";
 * new TextDecoder().decode(serialize([1, new PhpFloat(1)])); // 'a:2:{i:0;i:1;i:1;d:1;}'
 * ```
 */
export class PhpFloat {
  /** The float's value. */
  value: number;

  constructor(value: number) {
    this.value = value;
  }

  /** The plain number, so `+f` and comparisons work. */
  valueOf(): number {
    return this.value;
  }
}

/**
 * A PHP reference (`&$x`) shared by several places. Exact mode puts one box in every place an
 * `R:` joined; `serialize` writes the first place in full and the others as `R:<slot>;`.
 *
 * @example
 * ```ts
 * import { PhpRef, serialize } from "bun-sysv";
 * const r = new PhpRef(5);
 * new TextDecoder().decode(serialize([r, r])); // 'a:2:{i:0;i:5;i:1;R:2;}'
 * ```
 */
export class PhpRef<T = unknown> {
  /** The referenced value. */
  value: T;

  constructor(value: T) {
    this.value = value;
  }
}

/**
 * What `unserialize` returns: `null`, `boolean`, `number`, `bigint` (ints beyond 2^53), a PHP
 * string, arrays (JS arrays for lists; plain objects or `Map`s otherwise) and the PHP value classes.
 */
export type PhpValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PhpValue[]
  | { [key: string]: PhpValue }
  | Map<PhpKey, PhpValue>
  | PhpObject
  | PhpEnum
  | PhpCustom
  | PhpFloat
  | PhpRef<PhpValue>;

/**
 * Whether a JS value stands for a PHP array: a JS array, a `Map` or a plain object (prototype
 * `Object.prototype` or `null`); class instances such as `PhpObject` or `Date` are not.
 *
 * @example
 * ```ts
 * import { isPhpArray, PhpObject } from "bun-sysv";
 * isPhpArray({ a: 1 });               // true
 * isPhpArray(new Map([[1, "x"]]));    // true
 * isPhpArray(new PhpObject("User"));  // false
 * ```
 */
export function isPhpArray(value: unknown): value is unknown[] | Record<string, unknown> | Map<unknown, unknown> {
  if (Array.isArray(value) || value instanceof Map) return true;
  return typeof value === "object" && value !== null && isPlainObject(value);
}

/** Whether an object is a plain one (`{}` or `Object.create(null)`): the keyed-array form of {@link isPhpArray}. Internal. */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function property(name: string | number | bigint | Uint8Array, value: unknown, visibility: Visibility, declaringClass: string | undefined): PhpProperty {
  return { name, value, visibility, declaringClass: visibility === "private" ? declaringClass : undefined };
}

function matches(p: PhpProperty, key: string, declaringClass: string | undefined): boolean {
  if (typeof p.name === "object" || String(p.name) !== key) return false;
  return declaringClass === undefined || p.declaringClass === declaringClass;
}

function isIterable(x: PhpPropertiesInit): x is Iterable<PhpProperty> {
  return typeof (x as Iterable<PhpProperty>)[Symbol.iterator] === "function";
}
