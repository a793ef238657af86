/**
 * Port of `a2-socket-pair-fork.php`: parent and child exchange a message over a pair of connected Unix
 * sockets. `socket_create_pair` + `pcntl_fork` become one `spawnChild(..., { channel: true })`: the
 * parent keeps one end of a socket pair (`child.channel`), the child (this file in the `child` role) gets
 * the other as fd 3 (`parentChannel()`). Messages are whole frames (docs/channels.md), and reads wait on
 * the event loop instead of blocking it.
 *
 * Usage: bun examples/a2-socket-pair-fork.ts
 * @module
 */
import { currentRole, parentChannel, spawnChild } from "../src/index.ts";

if (currentRole() === "child") {
  // Child: its end of the pair
  const socket = parentChannel<string>()!;

  // Read message from parent
  const msg = await socket.receive();
  console.log(`Child received: ${msg}`);

  // Send response
  socket.send("Hello from child!");
  socket.close();
} else {
  // Create the socket pair and the child together
  const child = spawnChild(import.meta.path, { role: "child", channel: true });
  const socket = child.channel!;

  // Send message to child
  socket.send("Hello from parent!");

  // Read response
  const response = await socket.receive();
  console.log(`Parent received: ${response}`);

  socket.close();
  await child.exited;
}
