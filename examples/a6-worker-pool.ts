/**
 * Port of `a6-worker-pool.php`: a pool of 4 workers takes 20 tasks (100-500 ms each) from a message
 * queue and stores results in a sysvshm array; `shutdown()` sends STOPs, waits for the workers and
 * prints the results. Where the original forks, `start()` starts this file again in the
 * `worker` role with argument N (`spawnChild`).
 *
 * Differs from the original, which loses results (workers read-modify-write one shared array with no
 * lock: as published it returned 3-10 of 20 results): here a semaphore (`sem_get`) guards the
 * read-modify-write, so all 20 arrive; `shutdown()` removes the semaphore too. The results print in id
 * order (a JS object's integer keys), not in finishing order. For a pool that scales, results should
 * come back as messages instead: see `worker-pool.ts`.
 *
 * Ctrl-C, `kill` or a closed terminal (SIGINT/SIGTERM/SIGHUP) while it runs: the workers are stopped and the queue,
 * segment and lock removed, then exit 128 + signal
 * (`cleanupOnTerminate`); the original leaves them in `ipcs`.
 *
 * Keys: `ftok(SYSV_KEY_FILE || this file, "q" | "s" | "l")` for the queue, the segment and the lock.
 *
 * Usage: bun examples/a6-worker-pool.ts
 * @module
 */
import {
  ftok, msg_get_queue, msg_receive, msg_remove_queue, msg_send, print_r, ref, sem_acquire, sem_get, sem_release, sem_remove,
  shm_attach, shm_get_var, shm_has_var, shm_put_var, shm_remove,
  type SysvMessageQueue, type SysvSemaphore, type SysvSharedMemory,
} from "../compat/index.ts";
import { cleanupOnTerminate, currentRole, spawnChild, type ChildProcess } from "../src/index.ts";

const KEY_FILE = process.env.SYSV_KEY_FILE || import.meta.path;

interface Task {
  id: number;
  value: number;
  duration: number;
}

function must<T>(handle: T | false, what: string): T {
  if (handle === false) throw new Error(`could not open the pool's ${what}`);
  return handle;
}

class WorkerPool {
  private workerCount: number;
  private workers = new Map<ChildProcess, number>();
  private queue: SysvMessageQueue;
  private resultMemory: SysvSharedMemory;
  /** The fix: one lock around each read-modify-write of the results array. */
  private resultLock: SysvSemaphore;

  constructor(workerCount = 4) {
    this.workerCount = workerCount;
    this.queue = must(msg_get_queue(ftok(KEY_FILE, "q")), "queue");
    this.resultMemory = must(shm_attach(ftok(KEY_FILE, "s"), 65536), "shared memory");
    this.resultLock = must(sem_get(ftok(KEY_FILE, "l")), "semaphore");
  }

  start(): void {
    for (let i = 0; i < this.workerCount; i++) {
      const child = spawnChild(import.meta.path, { role: "worker", args: [i] });

      this.workers.set(child, i);
    }
  }

  runWorker(workerId: number): void {
    while (true) {
      const msgType = ref<number | bigint>(0);
      const task = ref<unknown>(null);
      const errorCode = ref<number>(0);

      // Block waiting for task (type 1 = tasks)
      if (msg_receive(this.queue, 1, msgType, 1024, task, true, 0, errorCode)) {
        if (task.value === "STOP") {
          break;
        }

        // Process task
        const result = this.processTask(task.value as Task);

        // Store result in shared memory, under the lock
        sem_acquire(this.resultLock);
        const results = (shm_has_var(this.resultMemory, 1)
          ? shm_get_var(this.resultMemory, 1)
          : {}) as Record<number, unknown>;
        results[(task.value as Task).id] = result;
        shm_put_var(this.resultMemory, 1, results);
        sem_release(this.resultLock);
      } else if (errorCode.value === 0) {
        continue; // "Message corrupted" (warned on stderr): garbage someone else put in the queue, skip it
      } else {
        break; // the queue is gone
      }
    }
  }

  private processTask(task: Task): unknown {
    // Simulate processing
    Bun.sleepSync(task.duration); // usleep($task['duration'] * 1000)
    return { id: task.id, result: task.value * 2 };
  }

  submit(task: Task): void {
    msg_send(this.queue, 1, task);
  }

  /** Interrupted (Ctrl-C, kill): stop the workers at once and remove the queue, segment and lock. */
  abort(): void {
    for (const [child] of this.workers) child.kill("SIGKILL");
    shm_remove(this.resultMemory);
    msg_remove_queue(this.queue);
    sem_remove(this.resultLock);
  }

  async shutdown(): Promise<unknown> {
    // Send stop signals
    for (let i = 0; i < this.workerCount; i++) {
      msg_send(this.queue, 1, "STOP");
    }

    // Wait for all workers
    for (const [child] of this.workers) {
      await child.exited;
    }

    // Get results
    const results = shm_get_var(this.resultMemory, 1);

    // Cleanup
    shm_remove(this.resultMemory);
    msg_remove_queue(this.queue);
    sem_remove(this.resultLock);

    return results;
  }
}

if (currentRole() === "worker") {
  new WorkerPool(4).runWorker(Number(process.argv[2]));
  process.exit(0);
}

// Usage
const pool = new WorkerPool(4);
const cleanup = cleanupOnTerminate(() => pool.abort());
pool.start();

// Submit tasks
for (let i = 0; i < 20; i++) {
  pool.submit({
    id: i,
    value: i * 10,
    duration: 100 + Math.floor(Math.random() * 401), // rand(100, 500)
  });
}

const results = await pool.shutdown();
cleanup.cancel();
print_r(results);
