import test from 'ava';
import { isLocalHost, localIdentity, type HostIdentity } from '../src/platform/localhost.ts';

const me: HostIdentity = { hostnames: ['ALTERYX01', 'ALTERYX01'], addresses: ['10.1.2.3', 'fe80::1', '127.0.0.1'] };

test('the local node by its short name, FQDN, localhost, "." and its own addresses, case-insensitively', (t) => {
  for (const name of [
    'ALTERYX01',
    'alteryx01',
    'Alteryx01.contoso.com',
    'alteryx01.contoso.com.',
    'localhost',
    'LOCALHOST',
    '.',
    '127.0.0.1',
    '127.0.1.1',
    '::1',
    '[::1]',
    '10.1.2.3',
    'FE80::1',
    ' ALTERYX01 ',
  ]) {
    t.true(isLocalHost(name, me), name);
  }
});

test('other hosts are remote', (t) => {
  for (const name of ['ALTERYX02', 'alteryx011', 'wkr1.contoso.com', '10.1.2.4', '', 'alteryx', 'localhost2']) {
    t.false(isLocalHost(name, me), name);
  }
});

test('the machine this runs on is local by its own name and addresses', (t) => {
  const id = localIdentity();
  t.true(id.hostnames.length > 0);
  t.true(isLocalHost(id.hostnames[0]!));
  for (const a of id.addresses) t.true(isLocalHost(a), a);
});
