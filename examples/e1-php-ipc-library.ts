/**
 * Port of the PHP IPC library's usage snippets (`e1-php-ipc-library.md`), line by line, every class but
 * the channels (StreamChannel / MultiStreamChannel have their own example). Each PHP line is in a comment
 * above its TypeScript.
 *
 * Differs from the snippets, which reuse one `$key` for every object: each SysV object here gets its own
 * key (`key`, then clones of it), because a semaphore set shared by `Semaphore($key, 2)` and `Mutex($key)`
 * would make the mutex's `allocate()` answers depend on the semaphore's. The objects are removed at the end.
 *
 * Keys: `new FileKey(SYSV_KEY_FILE || this file)` with project ids 0, 1, 2, ...
 *
 * Usage: bun examples/e1-php-ipc-library.ts
 * @module
 */
import {
  FileKey, FileLock, Mutex, Queue, ref, SharedData, SharedMemory, Semaphore, Signal, SignalHandler, SIGNALS_ASYNC,
  SignalTrap, SIGINT, SIGUSR1, Timer,
} from "../compat/index.ts";

const file = process.env.SYSV_KEY_FILE || import.meta.path;
const cleanup: Array<() => void> = [];

try {
  // if (!SIGNALS_ASYNC) { /* dispatch manually */ }
  if (!SIGNALS_ASYNC) { /* handlers here always run from the event loop */ }

  // $handler = new SignalHandler(SIGUSR1);
  // $handler->addHandler(function () { return true; });
  const handler = new SignalHandler(SIGUSR1);
  cleanup.push(() => handler.close());
  handler.addHandler(() => {
    console.log("SignalHandler: SIGUSR1 handled, stopping the bubbling");
    return true; // Handle SIGUSR1, return true to stop bubbling
  });
  handler.addHandler(() => {
    console.log("never printed: the first handler stopped the bubbling");
  });

  // $signal = new Signal(SIGUSR1); $signal->setHandler(function () { ... });
  const signal = new Signal(SIGUSR1);
  cleanup.push(() => signal.close());
  signal.setHandler(() => {
    console.log("Signal: SIGUSR1 handled"); // runs too: it listens on its own, not in the handler's chain
  });
  // (new Signal(SIGUSR1))->dispatch($pid);
  new Signal(SIGUSR1).dispatch(process.pid);
  await Bun.sleep(50); // let the event loop deliver it

  // $trap = new SignalTrap(SIGINT); while (!$trap->isTrapped()) { ... }
  const trap = new SignalTrap(SIGINT);
  cleanup.push(() => trap.close());
  let turns = 0;
  while (!trap.isTrapped()) {
    if (++turns === 3) process.kill(process.pid, "SIGINT"); // stands for Ctrl-C
  }
  console.log(`SignalTrap: SIGINT trapped after ${turns} turns`);

  // $timer = new Timer(function () { echo "."; });
  let dots = "";
  const timer = new Timer(() => { dots += "."; }, 100); // the library's default is 1000 ms
  cleanup.push(() => timer.stop());
  while (dots.length < 3) await Bun.sleep(10); // the event loop runs the ticks
  timer.stop();
  console.log(`Timer: ${dots}`);

  // $lock = new FileLock(__FILE__); if (!$lock->acquire()) { echo "fail!\n"; } else { ...; $lock->release(); }
  const lock = new FileLock(file);
  cleanup.push(() => lock.close());
  if (!lock.acquire()) {
    console.log("fail!");
  } else {
    using other = new FileLock(file); // another open of the file, as another process would have
    console.log(`FileLock: acquired; another lock on the file gets ${other.acquire()}`);
    lock.release();
  }

  // $key = new FileKey(__FILE__); $key2 = clone $key;
  const key = new FileKey(file);
  const key2 = key.clone();
  console.log(`FileKey: project ids ${key.projectId} and ${key2.projectId}`);

  // $sem = new Semaphore($key, 2); $sem->allocate() x 3
  const sem = new Semaphore(key, 2);
  cleanup.push(() => sem.remove());
  console.log(`Semaphore: ${sem.allocate()} ${sem.allocate()} ${sem.allocate()}`); // true true false

  // $mutex = new Mutex($key); $mutex->allocate() x 2
  const mutex = new Mutex(key2);
  cleanup.push(() => mutex.remove());
  console.log(`Mutex: ${mutex.allocate()} ${mutex.allocate()}`); // true false

  // $msgq = new Queue($key); $msgq->send(1, [ "Some data", [ "format" => "foo" ]]); $data = $msgq->receive(1, $type);
  const msgq = new Queue(key);
  cleanup.push(() => msgq.remove());
  msgq.send(1, ["Some data", { format: "foo" }]);
  const type = ref<number>();
  const data = msgq.receive(1, type);
  console.log(`Queue: type ${type.value}, ${JSON.stringify(data)}`);

  // $shm = new SharedData($key); do { $counter = $shm->get("counter") + 1; } while (!$shm->set("counter", $counter, true));
  const shared = new SharedData(key.clone().clone());
  cleanup.push(() => shared.remove());
  let counter: number;
  do {
    counter = (shared.get<number>("counter") ?? 0) + 1;
  } while (!shared.set("counter", counter, true));
  console.log(`SharedData: counter = ${shared.get("counter")}`);

  // $shm = new SharedMemory($key); $shm[0] = 42;
  const shm = new SharedMemory(key2.clone().clone());
  cleanup.push(() => shm.remove());
  shm[0] = 42;
  console.log(`SharedMemory: shm[0] = ${shm[0]}`);
} finally {
  for (const step of cleanup.reverse()) step();
}
