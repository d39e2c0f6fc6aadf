import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitHostPort } from '../../src/net';

test('splitHostPort: IPv4, names, bracketed IPv6, with and without a port', () => {
  assert.deepEqual(splitHostPort('127.0.0.1:8179'), { host: '127.0.0.1', port: '8179' });
  assert.deepEqual(splitHostPort('localhost'), { host: 'localhost', port: undefined });
  assert.deepEqual(splitHostPort('[::1]:8179'), { host: '::1', port: '8179' });
  assert.deepEqual(splitHostPort('[2001:db8::1]'), { host: '2001:db8::1', port: undefined });
});

test('splitHostPort: refuses a bare IPv6 address, empty parts and a non-numeric port', () => {
  assert.equal(splitHostPort('::1:8179'), undefined); // ambiguous without brackets (RFC 3986 3.2.2)
  assert.equal(splitHostPort(''), undefined);
  assert.equal(splitHostPort(':8179'), undefined);
  assert.equal(splitHostPort('host:http'), undefined);
  assert.equal(splitHostPort('[::1]:'), undefined);
});
