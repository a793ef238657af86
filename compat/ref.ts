/**
 * PHP by-reference parameters (`&$error_code`, `&$message`) as a box: pass `ref()` and read `.value` after.
 * Like a PHP variable, `ref()` without a type is `Ref<any>`: it fits any by-reference parameter, and what it
 * receives is used as PHP code uses it (`message.value["task_id"]`, `type.value + 1`). Give a type
 * (`ref<number>()`) where you want one; passed inline (`msg_receive(q, 0, ref(), ...)`) it takes the
 * parameter's type.
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

/**
 * Creates a {@link Ref}, optionally with an initial value (like `$x = null` before the call).
 *
 * @example
 * ```ts
 * const code = ref<number>(), anything = ref();
 * ```
 */
export function ref<T = any>(value?: T): Ref<T> {
  return { value: value as T };
}
