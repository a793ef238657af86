<?php
// PHP worker of the soak (bench/soak.ts starts it): php worker.php '<WorkerConfig JSON>' (see config.ts).
// Same roles and log lines as worker.ts, with PHP 8.2's sysvmsg/sysvsem/sysvshm: blocking and
// non-blocking receives, blocking and non-blocking sends, sem_acquire with and without nowait.
$cfg = json_decode($argv[1], true);
mt_srand($cfg['seed']);
$log = fopen($cfg['log'], 'a');                      // plain files are unbuffered: one write() per fwrite
function out($line) { global $log; fwrite($log, "$line\n"); }
function now_ms() { return microtime(true) * 1000; }
function pace($perSecond) { usleep((int) max(1000, 1e6 / max(1, $perSecond))); }
function lane_type($lane, $seq) { return (($lane + 1) << 56) + $seq; }
$pid = getmypid();
$deadline = $cfg['deadline'];

switch ($cfg['role']) {
case 'producer':
  $q = msg_get_queue($cfg['workKey']);
  $seq = 0;
  while (now_ms() < $deadline) {
    $id = "{$cfg['name']}:$seq";
    $blocking = mt_rand(0, 1) === 1;
    if (@msg_send($q, 1, ['id' => $id, 'pad' => str_repeat('y', mt_rand(0, 300))], true, $blocking, $err)) {
      out("s $id");
      $seq++;
      if ($seq % 10 === 0) pace($cfg['rate'] / 10);
    } elseif ($err === MSG_EAGAIN) {
      usleep(1000);
    } else {
      exit(0);                                        // queue removed
    }
  }
  break;

case 'consumer':
  $q = msg_get_queue($cfg['workKey']);
  for (;;) {
    $nowait = mt_rand(0, 1) === 1;
    if (msg_receive($q, -2, $type, 8192, $msg, true, $nowait ? MSG_IPC_NOWAIT : 0, $err)) {
      if ($type === 2) { out('stop'); break; }
      out("g {$msg['id']}");
    } elseif ($err === MSG_ENOMSG) {
      usleep(500);
    } else {
      break;                                          // removed
    }
  }
  break;

case 'lane-producer':
  $q = msg_get_queue($cfg['laneKey']);
  $seqs = array_fill_keys($cfg['lanes'], 0);
  while (now_ms() < $deadline) {
    foreach ($cfg['lanes'] as $lane) {
      if (!@msg_send($q, lane_type($lane, $seqs[$lane]), ['id' => "L$lane:{$seqs[$lane]}"], true, true, $err)) exit(0);
      out("s L$lane:{$seqs[$lane]}");
      $seqs[$lane]++;
    }
    if ($seqs[$cfg['lanes'][0]] % 10 === 0) pace($cfg['rate'] / 10);
  }
  foreach ($cfg['lanes'] as $lane) @msg_send($q, lane_type($lane, $seqs[$lane]), ['end' => true], true, true);
  break;

case 'lane-consumer':
  $lane = $cfg['lanes'][0];
  $q = msg_get_queue($cfg['laneKey']);
  // Where the previous consumer of this lane stopped (see worker.ts laneResume).
  $seq = 0; $mayHaveLost = false;
  $lines = file_exists($cfg['log']) ? file($cfg['log'], FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) : [];
  if ($lines) {
    [$kind, $s] = explode(' ', end($lines));
    $seq = $kind === 'c' ? (int) $s : (int) $s + 1;
    $mayHaveLost = $kind === 'c' || $kind === 'x';
  }
  $taken = 0;
  $take = function ($s, $msg) use ($lane, $pid, $cfg, &$taken) {
    if (isset($msg['end'])) { out("e $s $pid"); return false; }
    if (++$taken === $cfg['dieAfter']) posix_kill($pid, 9);   // taken, not logged: the window a kill can hit
    if ($msg['id'] !== "L$lane:$s") out("m $s $pid {$msg['id']}");
    out("g $s $pid");
    return true;
  };
  $claimed = -1; $claimedNext = -1;
  for (;;) {
    if ($claimed !== $seq) { out("c $seq $pid"); $claimed = $seq; }
    // Without a lost predecessor: block like a PHP daemon; otherwise poll (PHP has no receive timeout).
    $flags = $mayHaveLost ? MSG_IPC_NOWAIT : 0;
    if (msg_receive($q, lane_type($lane, $seq), $type, 8192, $msg, true, $flags, $err)) {
      if (!$take($seq, $msg)) break;
      $seq++; $mayHaveLost = false;
      continue;
    }
    if ($err !== MSG_ENOMSG) break;                   // removed
    if ($claimedNext !== $seq + 1) { out('c ' . ($seq + 1) . " $pid"); $claimedNext = $seq + 1; }
    if (!msg_receive($q, lane_type($lane, $seq + 1), $type, 8192, $next, true, MSG_IPC_NOWAIT)) { usleep(2000); continue; }
    if (msg_receive($q, lane_type($lane, $seq), $type, 8192, $again, true, MSG_IPC_NOWAIT)) {
      if (!$take($seq, $again)) break;
    } else {
      out("x $seq $pid");
    }
    if (!$take($seq + 1, $next)) break;
    $seq += 2; $mayHaveLost = false;
  }
  break;

case 'vars':
  $shm = shm_attach($cfg['varsKey']);
  $lock = sem_get($cfg['varsKey']);                   // the lock SharedVariables.update() takes
  while (now_ms() < $deadline) {
    if (!@sem_acquire($lock)) exit(0);
    $v = @shm_has_var($shm, 1) ? shm_get_var($shm, 1) : ['n' => 0, 'by' => []];
    $v['n']++;
    $v['by'][$cfg['name']] = ($v['by'][$cfg['name']] ?? 0) + 1;
    $ok = @shm_put_var($shm, 1, $v);
    sem_release($lock);
    if (!$ok) exit(0);
    out('v');
    usleep(mt_rand(0, 4000));
  }
  break;

case 'sem':
  $sem = sem_get($cfg['semKey'], 2);
  while (now_ms() < $deadline) {
    $nowait = mt_rand(0, 2) === 0;
    if (@sem_acquire($sem, $nowait)) {
      out('a');
      usleep(mt_rand(0, 6000));
      sem_release($sem);
    } elseif ($nowait) {
      out('t');
    } else {
      exit(0);
    }
    usleep(mt_rand(0, 3000));
  }
  break;
}
