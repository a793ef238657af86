<?php
// A PHP worker of the Elysia demo (started by the demo's pool, not by hand). The pool's protocol
// (src/pool/protocol.ts) with msg_receive/msg_send; before each job it writes the job id + 1 into its
// 8-byte slot of the demo's slot segment (shmop), so the server can show the job as running, or as
// lost if this process dies holding it.
//   task queue, type 1: ['id' => int, 'task' => ['value' => number, 'durationMs' => int]]  or 'STOP'
//   result queue, type 1: ['id' => int, 'worker' => int, 'result' => value * 2]
$taskKey = (int)getenv('SYSV_POOL_TASK_KEY');
$resultKey = (int)getenv('SYSV_POOL_RESULT_KEY');
$worker = (int)getenv('SYSV_POOL_WORKER');
$slot = getenv('DEMO_SLOT') === false ? $worker : (int)getenv('DEMO_SLOT'); // a replacement: the dead worker's slot
if (!msg_queue_exists($taskKey) || !msg_queue_exists($resultKey)) {
    fwrite(STDERR, "php worker $worker: the pool's queues do not exist\n");
    exit(1);
}
$tasks = msg_get_queue($taskKey);
$results = msg_get_queue($resultKey);
$slots = shmop_open((int)getenv('DEMO_SLOTS_KEY'), 'w', 0, 0);

while (msg_receive($tasks, 1, $type, 65536, $message)) {
    if ($message === 'STOP') {
        exit(0);
    }
    shmop_write($slots, pack('P', $message['id'] + 1), $slot * 8);
    $job = $message['task'];
    if (($job['durationMs'] ?? 0) > 0) {
        usleep((int)($job['durationMs'] * 1000));
    }
    if (!msg_send($results, 1, ['id' => $message['id'], 'worker' => $worker, 'result' => $job['value'] * 2])) {
        exit(1);
    }
}
exit(1);
