// A JSON array written in chunks: a 1M-route Loc-RIB is ~170 MB of JSON, and building it in
// one go held the event loop for seconds (every BGP session's keepalives and hold timers run
// on that loop: a 3 s hold time would drop them all). Each chunk is a bounded amount of work;
// between chunks we go back to the event loop (setImmediate: after pending I/O), and when
// the socket's buffer is full we wait for 'drain' (back-pressure), so a slow client costs
// memory of one chunk, not of the table. The bytes are exactly JSON.stringify(array) + "\n".
import type { ServerResponse } from 'node:http';

/** Items per chunk and bytes per chunk: whichever comes first ends it. */
const CHUNK_ITEMS = 512;
const CHUNK_BYTES = 64 * 1024;

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves when the socket can take more, or the client went away. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes `items` as a JSON array with status 200. `first` is the iterator's first result,
 * taken by the caller before anything is sent (so that a bad request still gets a 400).
 */
export async function streamJsonArray(
  res: ServerResponse,
  it: Iterator<unknown>,
  first: IteratorResult<unknown>,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' }); // chunked: the length is not known
  let r = first;
  let sep = '[';
  while (!r.done) {
    const parts: string[] = [];
    let bytes = 0;
    while (!r.done && parts.length < CHUNK_ITEMS && bytes < CHUNK_BYTES) {
      const s = sep + JSON.stringify(r.value);
      sep = ',';
      parts.push(s);
      bytes += s.length;
      r = it.next();
    }
    if (res.destroyed) return; // the client left: stop walking the table
    const ok = res.write(parts.join(''));
    await (ok ? nextTurn() : drained(res));
    if (res.destroyed) return;
  }
  res.end(sep === '[' ? '[]\n' : ']\n');
}
