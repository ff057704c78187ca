// Runs MongoDB's connection-string and URI-options specification tests against our parser
// (src/mongo/uri.ts). The test files are not in this repository (github.com/mongodb/specifications is licensed
// CC BY-NC-SA 3.0); give a checkout of it:
//   npx tsx scripts/check-uri-spec.ts <path to a mongodb/specifications checkout>
// Last run: commit 92b3c0b9287bfba1b0ec4084300858d05c654f8c (2026-08-13), 0 mismatches (78 accepted as
// specified, 101 refused, 4 accepted with a warning, 39 refused where drivers only warn).
//
// Files that do not apply, with the reason:
// - connection-string/tests/valid-unix_socket-absolute.json, valid-unix_socket-relative.json: Unix domain
//   sockets; mongodump on the Windows server this tool runs on cannot use them, so the parser refuses them;
// - connection-string/tests/valid-db-with-dotted-name.json: namespaces (db.coll) in the auth database
//   position, for legacy drivers, with Unix sockets; MongoDB database names cannot hold a dot;
// - uri-options/tests/single-threaded-options.json: options of single-threaded drivers only.
// Rules (the README of those folders): `valid: false` refused; `valid: true, warning: false` accepted with the
// hosts, credentials and options given; `valid: true, warning: true` accepted with a warning, or, for an
// invalid value of an option we know, refused naming the option (stricter than the drivers, docs/mongodb.md).
import fs from 'node:fs';
import path from 'node:path';
import { BackupError } from '../src/core/errors.ts';
import { optionValues, parseConnectionString, type MongoConnection } from '../src/mongo/uri.ts';

interface SpecCase {
  description: string;
  uri: string;
  valid: boolean;
  warning: boolean;
  hosts: Array<{ host: string; port: number | null }> | null;
  auth: { username: string | null; password: string | null; db: string | null } | null;
  options: Record<string, unknown> | null;
}

const EXCLUDED: Record<string, string> = {
  'valid-unix_socket-absolute.json': 'Unix domain sockets',
  'valid-unix_socket-relative.json': 'Unix domain sockets',
  'valid-db-with-dotted-name.json': 'dotted namespaces in the auth database position (legacy drivers)',
  'single-threaded-options.json': 'single-threaded drivers only',
};

function sameOption(conn: MongoConnection, key: string, expected: unknown): boolean {
  const ours = Object.keys(conn.options).find((k) => k.toLowerCase() === key.toLowerCase() || (key.toLowerCase() === 'ssl' && k === 'tls'));
  if (!ours) return false;
  const v = conn.options[ours]!;
  const pairs = (s: string) => Object.fromEntries(s.split(',').map((p) => [p.slice(0, p.indexOf(':')), p.slice(p.indexOf(':') + 1)]));
  if (typeof expected === 'boolean') return v.toLowerCase() === String(expected);
  if (typeof expected === 'number') return Number(v) === expected;
  if (Array.isArray(expected) && ours === 'readPreferenceTags') return JSON.stringify(optionValues(conn, ours).map(pairs)) === JSON.stringify(expected);
  if (Array.isArray(expected)) return JSON.stringify(v.split(',')) === JSON.stringify(expected);
  if (expected && typeof expected === 'object') {
    const got = pairs(v);
    return Object.keys(expected).length === Object.keys(got).length && Object.entries(expected).every(([k, x]) => got[k] === x);
  }
  return v === expected;
}

function check(c: SpecCase): string | undefined {
  const warnings: string[] = [];
  let conn: MongoConnection | undefined;
  let error: BackupError | undefined;
  try {
    conn = parseConnectionString(c.uri, warnings);
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    error = err;
  }
  if (!c.valid) return error ? undefined : 'accepted, must be refused';
  if (c.warning && error) {
    const keys = [...new URLSearchParams(c.uri.split('?')[1] ?? '').keys()];
    return keys.some((k) => new RegExp(`option "?${k}\\b`, 'i').test(error!.message)) ? undefined : `refused without naming the option: ${error.message}`;
  }
  if (error || !conn) return `refused: ${error?.message}`;
  if (c.warning) return warnings.length ? undefined : 'no warning';
  if (warnings.length) return `unexpected warning: ${warnings.join(' ')}`;
  if (c.hosts && JSON.stringify(conn.hosts.map((h) => h.host)) !== JSON.stringify(c.hosts.map((h) => h.host))) return `hosts ${JSON.stringify(conn.hosts)}`;
  if (c.hosts?.some((h, i) => h.port !== null && conn!.hosts[i]!.port !== h.port)) return `ports ${JSON.stringify(conn.hosts)}`;
  if (c.auth?.username != null && conn.username !== c.auth.username) return `username ${conn.username}`;
  if (c.auth?.password != null && conn.password !== c.auth.password) return 'password differs';
  if (c.auth?.db != null && conn.database !== c.auth.db) return `db ${conn.database}`;
  for (const [k, v] of Object.entries(c.options ?? {})) if (!sameOption(conn, k, v)) return `option ${k}: ${JSON.stringify(conn.options)}`;
  return undefined;
}

const root = process.argv[2];
if (!root) {
  console.error('usage: npx tsx scripts/check-uri-spec.ts <path to a mongodb/specifications checkout>');
  process.exit(3);
}
let cases = 0;
let mismatches = 0;
for (const dir of ['connection-string', 'uri-options']) {
  const folder = path.join(root, 'source', dir, 'tests');
  for (const f of fs
    .readdirSync(folder)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    if (EXCLUDED[f]) {
      console.log(`skip ${dir}/${f}: ${EXCLUDED[f]}`);
      continue;
    }
    const tests = (JSON.parse(fs.readFileSync(path.join(folder, f), 'utf8')) as { tests: SpecCase[] }).tests;
    let bad = 0;
    for (const c of tests) {
      cases++;
      const why = check(c);
      if (why) {
        bad++;
        console.log(`  MISMATCH ${dir}/${f}: ${c.description} (${c.uri}): ${why}`);
      }
    }
    mismatches += bad;
    console.log(`${bad ? 'FAIL' : 'ok  '} ${dir}/${f}: ${tests.length} cases${bad ? `, ${bad} mismatches` : ''}`);
  }
}
console.log(`${cases} cases, ${mismatches} mismatches`);
process.exit(mismatches ? 1 : 0);
