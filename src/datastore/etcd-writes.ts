// Writes as etcd transactions, shared by both etcd clients (etcd.ts over gRPC for the daemons,
// etcd-gateway.ts over the JSON gateway for short-lived commands), so the compare-and-swap
// semantics live in one place: every put and delete is a Txn whose compares are exactly our
// expectRevision checks (etcd compares mod_revision; an absent key compares as 0, which gives
// "must not exist").
import type { Compare, DeleteOptions, PutOptions, TxnOp } from './store';

/** What a transaction that succeeded answered. */
export interface TxnAnswer {
  /** The store's revision after it. */
  revision: number;
  /** Keys removed by its first operation, when that is a delete. */
  deleted: number;
}

const expect = (key: string, revision: number | undefined): Compare[] =>
  revision === undefined ? [] : [{ key, revision }];

export abstract class EtcdWrites {
  /** One etcd Txn (compares on mod_revision, `ops` on success); DatastoreError.conflict when a compare failed. */
  protected abstract rawTxn(compares: Compare[], ops: TxnOp[]): Promise<TxnAnswer>;

  async put(key: string, value: string, opts: PutOptions = {}): Promise<number> {
    const put: TxnOp = { type: 'put', key, value, lease: opts.lease };
    return (await this.rawTxn(expect(key, opts.expectRevision), [put])).revision;
  }

  async delete(key: string, opts: DeleteOptions = {}): Promise<boolean> {
    return (await this.rawTxn(expect(key, opts.expectRevision), [{ type: 'delete', key }])).deleted > 0;
  }

  async txn(compares: Compare[], ops: TxnOp[]): Promise<number> {
    return (await this.rawTxn(compares, ops)).revision;
  }
}
