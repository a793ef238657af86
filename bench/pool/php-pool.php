<?php
// The PHP side of bench/pool.bench.ts when ../shared/anchors/php-pool.php is not there: a correct PHP 8.2
// worker pool (pcntl_fork workers, tasks and results both over System V queues, serialize on), the pool a
// PHP user would run. Usage: php php-pool.php TASKS WORKERS
// Prints: php pool: tasks N workers W results R <rate> tasks/s (<seconds> s)
$taskCount = (int)($argv[1] ?? 100000);
$workerCount = (int)($argv[2] ?? 4);
$keyFile = tempnam(sys_get_temp_dir(), 'bench-pool');
$taskQueue = msg_get_queue(ftok($keyFile, 't'), 0600);
$resultQueue = msg_get_queue(ftok($keyFile, 'r'), 0600);

$start = hrtime(true);
$children = [];
for ($w = 0; $w < $workerCount; $w++) {
    $pid = pcntl_fork();
    if ($pid === 0) {
        while (msg_receive($taskQueue, 1, $type, 8192, $task)) {
            if ($task === 'STOP') {
                exit(0);
            }
            msg_send($resultQueue, 1, ['id' => $task['id'], 'result' => $task['value'] * 2]);
        }
        exit(1);
    }
    $children[] = $pid;
}

$results = [];
$next = 0;
while (count($results) < $taskCount) {
    // Fill the task queue as far as it goes without blocking.
    while ($next < $taskCount
        && @msg_send($taskQueue, 1, ['id' => $next, 'value' => $next * 10, 'duration' => 0], true, false)) {
        $next++;
    }
    // Take every result that is there; block for one only when there was none and nothing is left to send.
    $took = 0;
    while (msg_receive($resultQueue, 1, $type, 8192, $result, true, MSG_IPC_NOWAIT)) {
        $results[$result['id']] = $result['result'];
        $took++;
    }
    if ($took === 0 && $next === $taskCount && msg_receive($resultQueue, 1, $type, 8192, $result)) {
        $results[$result['id']] = $result['result'];
    }
}
foreach ($children as $pid) {
    msg_send($taskQueue, 1, 'STOP');
}
foreach ($children as $pid) {
    pcntl_waitpid($pid, $status);
}
$seconds = (hrtime(true) - $start) / 1e9;
printf("php pool: tasks %d workers %d results %d %.0f tasks/s (%.2f s)\n",
    $taskCount, $workerCount, count($results), $taskCount / $seconds, $seconds);
msg_remove_queue($taskQueue);
msg_remove_queue($resultQueue);
unlink($keyFile);
