// src/reflector/restart.ts: whether a starting reflector restarted (its registration outlived
// it) and which peers were Established in its last status record (RFC 4724 4.1 deferral).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Datastore, openDatastore, reflectorKey, statusKey } from '../../src/datastore';
import { restartState } from '../../src/reflector/restart';

test('a registration that outlived us: restarted, with the peers Established in the last status', async () => {
  const store = openDatastore('memory');
  try {
    assert.equal(await restartState(store, 'rr1'), undefined, 'no registration: a clean start');
    await store.put(reflectorKey('rr1'), JSON.stringify({ ip: '10.0.0.1' }));
    assert.deepEqual(await restartState(store, 'rr1'), { peers: [] }, 'no status record: no peers to wait for');
    const sessions = [
      { peer: '10.0.0.2', state: 'Established' },
      { peer: '10.0.0.3', state: 'Active' },
      { peer: '10.0.0.4', state: 'Established' },
    ];
    await store.put(statusKey('rr1'), JSON.stringify({ node: 'rr1', status: { sessions } }));
    assert.deepEqual(await restartState(store, 'rr1'), { peers: ['10.0.0.2', '10.0.0.4'] });
    await store.put(statusKey('rr1'), '{not json');
    assert.deepEqual(await restartState(store, 'rr1'), { peers: [] }, 'an unreadable record: no peer list');
  } finally {
    await store.close();
  }
});

test('a datastore that does not answer: a clean start after the wait, and the caller is told', async () => {
  const store = openDatastore('memory');
  try {
    await store.put(reflectorKey('rr1'), JSON.stringify({ ip: '10.0.0.1' }));
    const slow = new Proxy(store, {
      get: (t, k) => (k === 'get' ? () => new Promise(() => {}) : Reflect.get(t, k)),
    }) as Datastore;
    let told = 0;
    assert.equal(await restartState(slow, 'rr1', () => told++, 50), undefined);
    assert.equal(told, 1, 'onTimeout called once');
    let toldFast = 0;
    assert.deepEqual(await restartState(store, 'rr1', () => toldFast++, 50), { peers: [] });
    assert.equal(toldFast, 0, 'an answer in time: no timeout reported');
  } finally {
    await store.close();
  }
});
