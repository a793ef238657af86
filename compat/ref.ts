/**
 * PHP by-reference parameters (`&$error_code`, `&$message`) as a box: pass `ref()` and read `.value` after.
 *
 * @example
 * ```ts
 * import { ref, msg_receive } from "bun-sysv/compat";
 * const type = ref<number>(), message = ref<unknown>();
 * if (msg_receive(queue, 0, type, 1024, message)) console.log(type.value, message.value);
 * ```
 * @module
 */

/** A box standing in for a PHP `&$variable`. */
export interface Ref<T> {
  value: T;
}

/** Creates a {@link Ref}, optionally with an initial value (like `$x = null` before the call). */
export function ref<T = unknown>(value?: T): Ref<T> {
  return { value: value as T };
}
