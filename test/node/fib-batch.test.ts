// RouteBatch (src/node/fib/batch.ts) against a scripted socket: requests go without NLM_F_ACK,
// so silence is success and only failures answer, each mapped to its own route by sequence
// number; lost answers (ENOBUFS) make every silent request unknown, and the next batches go
// small and fully ACKed, where silence is no longer success. Routes are named by slot tags and
// next hops by key ids (-1: a delete).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteBatch, type BatchOutcome } from '../../src/node/fib/batch';
import { AF_INET, SysError, rtnl, type NlAck, type NlBatch, type RtnlExchange, type RtnlSocket } from '../../src/sys';

interface Sent {
  flags: number[];
  seqs: number[];
}

/** A socket whose exchange answers with `script(firstSeq, count)` and records the requests' flags. */
function fakeSocket(script: (seq0: number, n: number) => RtnlExchange): { sock: RtnlSocket; sent: Sent[] } {
  const sent: Sent[] = [];
  let seq = 100;
  const sock = {
    maxBatch: (cap = 1024) => Math.min(cap, 512),
    takeSeq: (n: number) => {
      const s = seq;
      seq += n;
      return s;
    },
    exchange: (batch: NlBatch, seq0: number): RtnlExchange => {
      const b = batch.bytes();
      const s: Sent = { flags: [], seqs: [] };
      for (const m of rtnl.messages(b, b.length)) {
        s.flags.push(m.flags);
        s.seqs.push(m.seq);
      }
      sent.push(s);
      return script(seq0, batch.count);
    },
  } as unknown as RtnlSocket;
  return { sock, sent };
}

function recorder(): { out: BatchOutcome; log: string[] } {
  const log: string[] = [];
  return {
    log,
    out: {
      done: (p, k) => log.push(`done ${p} ${k}`),
      refused: (p, k, errno, msg) => log.push(`refused ${p} ${k} ${errno} ${msg ?? ''}`),
      unknown: (p) => log.push(`unknown ${p}`),
      strayRefused: (p, errno) => log.push(`stray ${p} ${errno}`),
      trouble: (what) => log.push(`trouble ${what.split(' ')[0]}`),
    },
  };
}

const dst = (a: number) => ({ family: AF_INET, bytes: Uint8Array.of(10, a, 0, 0), len: 16 }) as const;
const hops = [{ gateway: Uint8Array.of(192, 0, 2, 2), ifindex: 2 }];

test('RouteBatch: no NLM_F_ACK; silence is success, each error goes to its own route; lost answers make all unknown and the next batches ACKed and small', () => {
  let answers: (seq0: number) => RtnlExchange = () => ({ acks: [] });
  const { sock, sent } = fakeSocket((seq0) => answers(seq0));
  const b = new RouteBatch(sock, 254, 200, 32);
  const { out, log } = recorder();

  // 1: three requests; the kernel refuses the second (EEXIST) and says nothing of the others.
  b.begin();
  b.set(1, dst(1), rtnl.RTN_UNICAST, hops, 1, false);
  b.set(2, dst(2), rtnl.RTN_UNICAST, hops, 2, false);
  b.delete(3, dst(3));
  answers = (seq0) => {
    const acks: (NlAck | undefined)[] = [];
    acks[1] = { seq: seq0 + 1, errno: 17, message: 'File exists' };
    return { acks };
  };
  assert.equal(b.send(out), true);
  assert.deepEqual(log.splice(0), ['done 1 1', 'refused 2 2 17 File exists', 'done 3 -1']);
  assert.deepEqual(
    sent[0]!.flags.map((f) => f & rtnl.NLM_F_ACK),
    [0, 0, 0],
    'no request asks for an ACK',
  );
  assert.equal(sent[0]!.flags[0]! & rtnl.NLM_F_EXCL, rtnl.NLM_F_EXCL);
  assert.deepEqual(
    sent[0]!.seqs,
    [sent[0]!.seqs[0]!, sent[0]!.seqs[0]! + 1, sent[0]!.seqs[0]! + 2],
    'consecutive sequence numbers',
  );

  // 2: a delete of what is gone (ESRCH) is done; answers lost: the silent ones are unknown.
  b.begin();
  const full = 512;
  assert.equal(b.full, false);
  b.delete(4, dst(4));
  b.set(5, dst(5), rtnl.RTN_UNICAST, hops, 5, true);
  answers = (seq0) => ({ acks: [{ seq: seq0, errno: 3 }], lost: new SysError('recv(netlink)', 105, 'ENOBUFS') });
  assert.equal(b.send(out), true);
  assert.deepEqual(log.splice(0), ['trouble answers', 'done 4 -1', 'unknown 5']);
  assert.equal(b.careful, true);

  // 3: careful: every request ACKed, at most an eighth of a batch, and silence is unknown.
  b.begin();
  let n = 0;
  while (!b.full) b.set(6 + n, dst(6 + n), rtnl.RTN_UNICAST, hops, 6 + n++, false);
  assert.equal(n, full >> 3);
  answers = (seq0) => ({ acks: [{ seq: seq0, errno: 0 }] });
  b.send(out);
  assert.ok(
    sent[2]!.flags.every((f) => (f & rtnl.NLM_F_ACK) !== 0),
    'all ACKed while careful',
  );
  assert.equal(log[0], 'done 6 6');
  assert.equal(log.slice(1).filter((l) => l.startsWith('unknown')).length, n - 1);
  log.length = 0;

  // 4: a send that fails as a whole: false, and every route unknown.
  b.careful = false;
  b.begin();
  b.set(99, dst(99), rtnl.RTN_UNICAST, hops, 99, false);
  (sock as unknown as { exchange: () => SysError }).exchange = () => new SysError('send(netlink)', 12, 'ENOMEM');
  assert.equal(b.send(out), false);
  assert.deepEqual(log, ['trouble batch', 'unknown 99']);
});
