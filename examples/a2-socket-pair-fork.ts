/**
 * Port of `a2-socket-pair-fork.php`: parent and child exchange a message over a pair of connected Unix
 * sockets. `socket_create_pair` + `pcntl_fork` become one `Bun.spawn` whose fd 3 is a socket pair
 * (`"socket-fd"`): the parent keeps one end, the child (this file run with `--child`) gets the other as
 * fd 3. Reads wait on the event loop instead of blocking it.
 *
 * Usage: bun examples/a2-socket-pair-fork.ts
 * @module
 */
import net from "node:net";
import { role, waitpid } from "./lib/process.ts";

/** socket_read($socket, 1024): the next chunk that arrives (at most what one read gives). */
function socketRead(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once("data", (chunk) => resolve(chunk.toString()));
    socket.once("error", reject);
  });
}

/** One end of the pair, from its file descriptor. */
const socketOf = (fd: number) => net.connect({ fd } as unknown as net.NetConnectOpts);

if (role() === "--child") {
  // Child: its end of the pair is fd 3
  const socket = socketOf(3);

  // Read message from parent
  const msg = await socketRead(socket);
  console.log(`Child received: ${msg}`);

  // Send response
  socket.end("Hello from child!");
  await new Promise((resolve) => socket.once("close", resolve));
  process.exit(0);
} else {
  // Create the socket pair and the child together
  const child = Bun.spawn([process.execPath, import.meta.path, "--child"], {
    stdio: ["ignore", "inherit", "inherit", "socket-fd"],
  });
  const socket = socketOf(child.stdio[3] as number);

  // Send message to child
  socket.write("Hello from parent!");

  // Read response
  const response = await socketRead(socket);
  console.log(`Parent received: ${response}`);

  socket.destroy();
  await waitpid(child);
}
