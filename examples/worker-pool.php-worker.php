<?php
// A PHP worker of examples/worker-pool.ts (started by the pool with `--php N`, not by hand).
// It speaks the pool's protocol (src/pool/protocol.ts, docs/pool.md) with msg_receive/msg_send, serialize on,
// including batches: it says hello (result queue, type 3), then takes a batch (task queue, type 2) when one
// waits, else any task (types 1-2):
//   task queue, type 1: ['id' => int, 'task' => ['value' => int, 'duration' => int ms]]  or 'STOP'
//   task queue, type 2: ['ids' => [int, ...], 'tasks' => [task, ...]]
//   result queue, type 1: ['id' => int, 'worker' => int, 'result' => value * 2]
//   result queue, type 2: ['worker' => int, 'ids' => [int, ...], 'results' => [value * 2, ...]]
//   (both result kinds with 'us' => microseconds the tasks took: the pool sizes batches from it)
// The pool passes the queue keys, this worker's number and its own pid in the environment. If the pool dies
// without removing its queues (SIGKILL), this worker notices within a second (its parent pid changes) and exits.
$taskKey = (int)getenv('SYSV_POOL_TASK_KEY');
$resultKey = (int)getenv('SYSV_POOL_RESULT_KEY');
$worker = (int)getenv('SYSV_POOL_WORKER');
$parent = (int)getenv('SYSV_POOL_PARENT');

// msg_get_queue would create a queue that is missing: refuse instead (the pool is gone).
if (!msg_queue_exists($taskKey) || !msg_queue_exists($resultKey)) {
    fwrite(STDERR, "php worker $worker: the pool's queues do not exist\n");
    exit(1);
}
$tasks = msg_get_queue($taskKey);
$results = msg_get_queue($resultKey);

// Orphan check: once a second (SIGALRM interrupts the blocking msg_receive with EINTR), exit if the pool died
// (its parent is no longer the pool and the pool's pid is gone; a wrapper process in between is fine).
function pool_gone(int $parent): bool
{
    return posix_getppid() !== $parent && !posix_kill($parent, 0) && posix_get_last_error() === 3; // ESRCH
}
if ($parent > 0) {
    pcntl_async_signals(true);
    pcntl_signal(SIGALRM, function () use ($parent) {
        if (pool_gone($parent)) {
            exit(1);
        }
        pcntl_alarm(1);
    });
    pcntl_alarm(1);
    if (pool_gone($parent)) {
        exit(1);
    }
}

function run_task(array $task): int
{
    if ($task['duration'] > 0) {
        usleep($task['duration'] * 1000);
    }
    return $task['value'] * 2;
}

msg_send($results, 3, ['worker' => $worker, 'batches' => true]);
for (;;) {
    // A batch if one waits (no waiting), else the next task of type 1 or 2 (waiting).
    if (!msg_receive($tasks, 2, $type, 65536, $message, true, MSG_IPC_NOWAIT)
        && !msg_receive($tasks, -2, $type, 65536, $message, true, 0, $error)) {
        if ($error === 4) { // EINTR: the orphan check's alarm
            continue;
        }
        exit(1); // the queue was removed: the pool was aborted
    }
    $started = hrtime(true);
    if ($type === 2) {
        $answers = [];
        foreach ($message['tasks'] as $task) {
            $answers[] = run_task($task);
        }
        $us = (hrtime(true) - $started) / 1000;
        $ok = msg_send($results, 2, ['worker' => $worker, 'ids' => $message['ids'], 'results' => $answers, 'us' => $us]);
    } elseif ($message === 'STOP') {
        exit(0);
    } else {
        $result = run_task($message['task']);
        $us = (hrtime(true) - $started) / 1000;
        $ok = msg_send($results, 1, ['id' => $message['id'], 'worker' => $worker, 'result' => $result, 'us' => $us]);
    }
    if (!$ok) {
        exit(1);
    }
}
