<?php
// The plain PHP worker loop of src/pool/protocol.ts (single tasks only, no hello, no batches), for the
// example's tasks ['value' => int, 'duration' => ms]. `worker-pool.ts --php-plain N` starts it; a mixed pool
// keeps it fed with single tasks while batch-aware workers take batches.
$tasks = msg_get_queue((int)getenv('SYSV_POOL_TASK_KEY'));
$results = msg_get_queue((int)getenv('SYSV_POOL_RESULT_KEY'));
while (msg_receive($tasks, 1, $type, 8192, $message) && $message !== 'STOP') {
    if ($message['task']['duration'] > 0) usleep($message['task']['duration'] * 1000);
    msg_send($results, 1, ['id' => $message['id'], 'worker' => (int)getenv('SYSV_POOL_WORKER'),
                           'result' => $message['task']['value'] * 2]);
}
