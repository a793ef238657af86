<?php
// A PHP worker of examples/worker-pool.ts (started by the pool with `--php N`, not by hand).
// It speaks the pool's protocol (src/pool/protocol.ts) with msg_receive/msg_send, serialize on:
//   task queue, type 1: ['id' => int, 'task' => ['value' => int, 'duration' => int ms]]  or 'STOP'
//   result queue, type 1: ['id' => int, 'worker' => int, 'result' => value * 2]
// The pool passes the queue keys and this worker's number in the environment.
$taskKey = (int)getenv('SYSV_POOL_TASK_KEY');
$resultKey = (int)getenv('SYSV_POOL_RESULT_KEY');
$worker = (int)getenv('SYSV_POOL_WORKER');

// msg_get_queue would create a queue that is missing: refuse instead (the pool is gone).
if (!msg_queue_exists($taskKey) || !msg_queue_exists($resultKey)) {
    fwrite(STDERR, "php worker $worker: the pool's queues do not exist\n");
    exit(1);
}
$tasks = msg_get_queue($taskKey);
$results = msg_get_queue($resultKey);

// Blocks until a task arrives; false when the pool removes the queue (an abort): then exit 1.
while (msg_receive($tasks, 1, $type, 8192, $message)) {
    if ($message === 'STOP') {
        exit(0);
    }
    $task = $message['task'];
    if ($task['duration'] > 0) {
        usleep($task['duration'] * 1000);
    }
    if (!msg_send($results, 1, ['id' => $message['id'], 'worker' => $worker, 'result' => $task['value'] * 2])) {
        exit(1);
    }
}
exit(1);
