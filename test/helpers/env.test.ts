import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, skipReason } from './env';

test('REPO_ROOT points at the checkout', () => {
  assert.ok(existsSync(path.join(REPO_ROOT, 'package.json')));
  assert.ok(existsSync(path.join(REPO_ROOT, 'src', 'bgp')));
});

test('skipReason returns false when nothing is needed', () => {
  assert.equal(skipReason(), false);
});
