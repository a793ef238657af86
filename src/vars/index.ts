/**
 * PHP's sysvshm variable store: {@link SharedVariables} (get/set/has/delete/keys/update) over one segment,
 * byte-compatible with `shm_put_var`/`shm_get_var`.
 *
 * @example
 * ```ts
 * import { SharedVariables } from "bun-sysv";
 * using vars = SharedVariables.create(0x5eed0001);
 * vars.set(42, ["a", 1.5, true]);
 * ```
 * @module
 */
export {
  SharedVariables, type SharedVariablesOptions, type SharedVariablesStat, type VariableKey,
} from "./variables.ts";
export { chunkSize, DEFAULT_SIZE as DEFAULT_VARIABLES_SIZE } from "./layout.ts";
