/**
 * Building blocks of decoded PHP arrays: value locations for references, safe plain-object keys,
 * and the final pass that turns the Maps built while references were possible into the requested
 * shapes (JS arrays for lists, plain objects or Maps) while keeping shared identity.
 * @module
 */

import { intFromCanonical, isCanonicalIntString } from "./keys.ts";
import { PhpObject, PhpRef } from "./types.ts";
import type { PhpKey } from "./types.ts";

/** Where a value lives while references may point at it: a Map entry, a property, or the root box. */
export type Holder = Map<PhpKey, unknown> | { value: unknown };

/** The value at a location. */
export function read(holder: Holder, key: unknown): unknown {
  return holder instanceof Map ? holder.get(key as PhpKey) : holder.value;
}

/** Stores a value at a location. */
export function write(holder: Holder, key: unknown, value: unknown): void {
  if (holder instanceof Map) holder.set(key as PhpKey, value);
  else holder.value = value;
}

/** Sets a key on a plain object without ever touching its prototype (`__proto__` stays data). */
export function setRecord(record: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__") Object.defineProperty(record, name, { value, writable: true, enumerable: true, configurable: true });
  else record[name] = value;
}

/** A plain-object array turned into a Map in insertion order (canonical int strings back to ints). */
export function recordToMap(record: Record<string, unknown>, order: string[] | null): Map<PhpKey, unknown> {
  const map = new Map<PhpKey, unknown>();
  for (const name of order ?? Object.keys(record)) map.set(isCanonicalIntString(name) ? intFromCanonical(name) : name, record[name]);
  return map;
}

/** One Uint8Array instance per distinct binary key, so Map lookups by key work. */
export function canonicalBinaryKey(known: Map<string, Uint8Array>, key: Uint8Array): Uint8Array {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
  const existing = known.get(id);
  if (existing) return existing;
  known.set(id, key);
  return key;
}

/** Turns the Maps built in tracking mode into the requested shapes, keeping shared identity. */
export class Finisher {
  private readonly done = new Map<object, unknown>();

  constructor(private readonly keyedAsMap: boolean) {}

  finish(value: unknown): unknown {
    if (typeof value !== "object" || value === null) return value;
    const known = this.done.get(value);
    if (known !== undefined) return known;
    if (value instanceof Map) return this.array(value as Map<PhpKey, unknown>);
    if (value instanceof PhpObject) {
      this.done.set(value, value);
      for (const p of value.properties) p.value = this.finish(p.value);
    } else if (value instanceof PhpRef) {
      this.done.set(value, value);
      value.value = this.finish(value.value);
    }
    return value;
  }

  private array(map: Map<PhpKey, unknown>): unknown {
    let isList = true;
    let hasBinaryKey = false;
    let i = 0;
    for (const k of map.keys()) {
      if (k !== i++) isList = false;
      if (typeof k === "object") hasBinaryKey = true;
    }
    if (isList) {
      const list: unknown[] = [];
      this.done.set(map, list);
      for (const v of map.values()) list.push(this.finish(v));
      return list;
    }
    if (this.keyedAsMap || hasBinaryKey) {
      this.done.set(map, map);
      for (const [k, v] of map) map.set(k, this.finish(v));
      return map;
    }
    const record: Record<string, unknown> = {};
    this.done.set(map, record);
    for (const [k, v] of map) setRecord(record, String(k), this.finish(v));
    return record;
  }
}
