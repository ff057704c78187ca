import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mapWindowsPath, openSandbox, WIN } from '../src/sandbox/index.ts';
import { sandboxInventory } from '../src/sandbox/inventory.ts';
import { setSetting } from '../src/sandbox/settings-xml.ts';
import { galleryAdGroups, obfuscateKey, parseServerVersion } from '../src/steps/inventory.ts';
import type { RunContext } from '../src/core/context.ts';
import { BSON } from 'bson';
import { gzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { windowsPlatform } from '../src/platform/windows/adapter.ts';
import { runCli, repo } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { tempDir } from './helpers/tmp.ts';

type Item = { status: 'ok' | 'missing'; value?: unknown; reason?: string };
const NODE_ITEMS = [
  'windowsVersion',
  'dotnetVersion',
  'license',
  'odbcDrivers',
  'dsns',
  'connectors',
  'customTools',
  'pythonPackages',
  'serviceLogOnAccount',
  'runAsUser',
  'userDsnAccounts',
];
const SERVER_ITEMS = ['version', 'build', 'adGroups', 'freeSpace'];

async function backupMetadata(dir: string, config: string, mode: string) {
  const r = await runCli(['backup', '--mode', mode, '--sandbox', dir, '--config', config, '--json']);
  if (r.code !== 0) throw new Error(`backup failed: ${String(r.result?.['message'])}`);
  const archive = String(r.result!['archivePath']);
  const text = execFileSync('unzip', ['-p', archive, 'metadata.json'], { encoding: 'utf8' });
  return {
    meta: JSON.parse(text) as { inventory: Record<string, Item> & { nodes: Record<string, Record<string, Item>> } },
    text,
    logPath: String(r.result!['logPath']),
    archive,
  };
}

function everyItemOkOrMissingWithReason(t: Parameters<typeof tempDir>[0], inv: Record<string, unknown>, names: string[], where: string) {
  for (const n of names) {
    const i = inv[n] as Item | undefined;
    t.truthy(i, `${where}.${n} is recorded`);
    t.true(i!.status === 'ok' || (i!.status === 'missing' && typeof i!.reason === 'string' && i!.reason.length > 10), `${where}.${n}: ${JSON.stringify(i)}`);
  }
}

test('metadata.json of a sandbox Full backup holds every REQ-3.4 item; the licence only as its last 4 characters', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const { meta, text, logPath } = await backupMetadata(dir, config, 'Full');
  const inv = meta.inventory;
  everyItemOkOrMissingWithReason(t, inv, SERVER_ITEMS, 'inventory');
  const node = inv.nodes['ALTERYX01']!;
  everyItemOkOrMissingWithReason(t, node, NODE_ITEMS, 'ALTERYX01');
  t.regex(String(inv['version']!.value), /^\d{4}\.\d+\.\d+$/);
  t.regex(String(inv['build']!.value), /^\d+$/);
  const groups = inv['adGroups']!.value as Array<{ name: string; activeDirectoryGroups: Array<{ name: string }> }>;
  t.deepEqual(
    groups.map((g) => g.name),
    ['Finance Analysts', 'Gallery Curators'],
    'groups without an AD group are left out',
  );
  t.is(groups[0]!.activeDirectoryGroups[0]!.name, 'CONTOSO\\Alteryx-Finance');
  t.true((inv['freeSpace']!.value as Array<{ freeBytes: number }>).every((f) => f.freeBytes > 0));
  for (const n of NODE_ITEMS) t.is(node[n]!.status, 'ok', n);
  t.is(node['runAsUser']!.value, 'CONTOSO\\svc-alteryx-run', 'Worker/ExecuteDomain \\ Worker/ExecuteUserName');
  const dsns = node['dsns']!.value as Array<{ name: string; scope: string; platform: string; account?: string }>;
  t.true(dsns.some((d) => d.platform === '32-bit') && dsns.some((d) => d.platform === '64-bit'));
  // User DSNs: each with the account whose hive holds it (the backup's own, SYSTEM, and the Run As user's).
  t.deepEqual(
    dsns.filter((d) => d.scope === 'user').map((d) => `${d.account}|${d.name}`),
    ['NT AUTHORITY\\SYSTEM|ALTERYX01_Scratch', 'CONTOSO\\svc-alteryx-run|Finance_Extracts', 'CONTOSO\\svc-alteryx-run|Snowflake_RunAs'],
  );
  t.true(dsns.filter((d) => d.scope === 'system').every((d) => d.account === undefined));
  const accounts = node['userDsnAccounts']!.value as Array<{ account: string; readable: boolean; reason?: string; dsnCount?: number }>;
  t.deepEqual(
    accounts.map((a) => [a.account, a.readable, a.dsnCount ?? null]),
    [
      ['LocalSystem', true, null],
      ['CONTOSO\\svc-alteryx-run', true, 2],
    ],
  );
  t.regex(accounts[0]!.reason!, /the account the backup runs as/, 'the Log On account LocalSystem is SYSTEM, read once');
  t.deepEqual((node['connectors']!.value as Array<{ name: string }>).map((c) => c.name).sort(), [
    'Google Sheets Input',
    'Salesforce Input',
    'Snowflake Bulk Connector',
  ]);
  t.deepEqual((node['customTools']!.value as Array<{ name: string }>).map((c) => c.name).sort(), ['Address Cleanse', 'Finance Calendar']);
  t.true(
    (node['pythonPackages']!.value as Array<{ name: string; environment: string }>).some(
      (p) => p.name === 'pandas' && p.environment === 'DesignerBaseTools_vEnv',
    ),
  );
  // The licence: obfuscated in metadata.json, and the key itself nowhere (metadata, log).
  const key = (await sandboxInventory(openSandbox(dir)).license({ name: 'ALTERYX01', role: 'controller', local: true })).keys[0]!;
  const shown = (node['license']!.value as { keys: string[] }).keys[0]!;
  t.is(shown, `****-****-****-${key.slice(-4)}`);
  t.false(text.includes(key));
  t.false(readFileSync(logPath, 'utf8').includes(key));
});

test('a missing item is recorded as missing with its reason and does not fail the backup', async (t) => {
  const { dir, config } = await quickSandbox(t);
  rmSync(join(dir, 'C', 'Program Files', 'Alteryx', 'bin', 'Miniconda3'), { recursive: true, force: true });
  rmSync(join(dir, 'C', 'ProgramData', 'Alteryx', 'Tools'), { recursive: true, force: true });
  rmSync(join(dir, 'C', 'Program Files', 'Alteryx', 'bin', 'HtmlPlugins'), { recursive: true, force: true });
  const { meta } = await backupMetadata(dir, config, 'ConfigOnly');
  const node = meta.inventory.nodes['ALTERYX01']!;
  t.is(node['pythonPackages']!.status, 'missing');
  t.regex(node['pythonPackages']!.reason!, /no Python environment at C:\\Program Files\\Alteryx\\bin\\Miniconda3\\envs/);
  t.is(node['connectors']!.status, 'missing');
  t.regex(node['customTools']!.reason!, /neither C:\\ProgramData\\Alteryx\\Tools nor .*HtmlPlugins exists/);
  t.is(node['license']!.status, 'ok', 'the rest is still there');
});

/** Sets (or blanks) Worker/ExecuteUserName and ExecuteDomain in the sandbox node's RuntimeSettings.xml. */
function setRunAs(dir: string, user: string, domain: string) {
  const node = openSandbox(dir).nodes[0]!;
  const file = mapWindowsPath(dir, node.root, WIN.overridesXml);
  writeFileSync(file, setSetting(setSetting(readFileSync(file, 'utf8'), 'Worker', 'ExecuteUserName', user), 'Worker', 'ExecuteDomain', domain));
}

test('no Run As user: runAsUser is missing with why and only the Log On account is looked at; a Run As user without a loaded profile gets a "not readable" record', async (t) => {
  const { dir, config } = await quickSandbox(t);
  setRunAs(dir, '', '');
  const blank = (await backupMetadata(dir, config, 'ConfigOnly')).meta.inventory.nodes['ALTERYX01']!;
  t.is(blank['runAsUser']!.status, 'missing');
  t.regex(blank['runAsUser']!.reason!, /no Run As user is set \(Worker\/ExecuteUserName is empty: workflows run as the service account\)/);
  t.deepEqual(
    (blank['userDsnAccounts']!.value as Array<{ account: string }>).map((a) => a.account),
    ['LocalSystem'],
  );
  t.false((blank['dsns']!.value as Array<{ account?: string }>).some((d) => d.account === 'CONTOSO\\svc-alteryx-run'));

  setRunAs(dir, 'svc-night', 'CONTOSO');
  const other = (await backupMetadata(dir, config, 'ConfigOnly')).meta.inventory.nodes['ALTERYX01']!;
  t.is(other['runAsUser']!.value, 'CONTOSO\\svc-night');
  const rec = (other['userDsnAccounts']!.value as Array<{ account: string; readable: boolean; reason?: string }>).find(
    (a) => a.account === 'CONTOSO\\svc-night',
  );
  t.is(rec?.readable, false);
  t.regex(rec?.reason ?? '', /^not readable \(profile not loaded/);
  t.is(other['dsns']!.status, 'ok', 'the other DSNs are still recorded');
});

test('licence keys keep only their last 4 characters; getversion text gives version and build', (t) => {
  t.is(obfuscateKey('ABCD-EFGH-IJKL-1234'), '****-****-****-1234');
  t.is(obfuscateKey('XY12'), 'XY12');
  t.is(obfuscateKey('ABCDEFGH12345678'), '************5678');
  t.deepEqual(parseServerVersion('Alteryx Server 2023.1.1.281\r\n'), { version: '2023.1.1', build: '281' });
  t.deepEqual(parseServerVersion('2022.3'), { version: '2022.3', build: undefined });
  t.is(parseServerVersion('EMongoDump failed'), undefined);
});

// The Windows adapter's inventory calls through a real PowerShell session, with the Windows cmdlets faked.
test.serial('the Windows adapter reads ODBC through the session and reports a failing query as an error', async (t) => {
  const pwsh = join(repo, '.tools', 'pwsh', 'pwsh');
  t.true(existsSync(pwsh), 'pwsh is installed by scripts/install-tools.sh');
  const dir = tempDir(t);
  process.env['AB_FAKE_LOG'] = join(dir, 'calls.log');
  const local = { name: 'ALTERYX01', role: 'controller' as const, local: true };
  const p = windowsPlatform({
    serviceName: 'AlteryxService',
    nodes: [local],
    executable: pwsh,
    prelude: join(import.meta.dirname, 'fixtures', 'windows-fakes.ps1'),
  });
  try {
    // The accounts go through as one -Accounts argument; off Windows no hive is loaded (no HKU drive) and a
    // domain name does not translate to a SID: one "not readable" record each, and the rest still answered.
    const odbc = await p.inventory!.odbc(local, ['LocalSystem', 'CONTOSO\\svc-alteryx-run']);
    t.deepEqual(
      odbc.userAccounts!.map((a) => [a.account, a.sid, a.readable]),
      [
        ['LocalSystem', 'S-1-5-18', false],
        ['CONTOSO\\svc-alteryx-run', null, false],
      ],
    );
    t.regex(odbc.userAccounts![0]!.reason!, /^not readable \(profile not loaded/);
    t.regex(odbc.userAccounts![1]!.reason!, /^not readable \(the account does not resolve to a SID/);
    t.deepEqual(odbc.drivers, [
      { name: 'SQL Server', platform: '64-bit' },
      { name: 'SQL Server', platform: '32-bit' },
    ]);
    t.true(odbc.dsns.some((d) => d.name === 'Warehouse' && d.scope === 'system'));
    await t.throwsAsync(p.inventory!.windows(local), { message: /Win32_OperatingSystem returned nothing|returned no result/ });
  } finally {
    await p.dispose();
  }
  t.regex(readFileSync(join(dir, 'calls.log'), 'utf8'), /Get-ItemProperty\|HKLM:\\SOFTWARE\\WOW6432Node\\ODBC\\ODBCINST\.INI\\ODBC Drivers/);
  t.true(readdirSync(dir).length > 0);
});

test('Windows: the Gallery user groups with AD groups come from the AlteryxGallery dump (plain or gzip); without a dump or groups, missing with why', async (t) => {
  const dir = tempDir(t);
  const ctx = () => ({ platform: { kind: 'windows', inventory: undefined } }) as unknown as RunContext;
  const dumpOf = (d?: string) => (d ? { dir: d } : undefined);
  const none = await galleryAdGroups(ctx(), dumpOf());
  t.is(none.status, 'missing');
  t.regex((none as { reason: string }).reason, /no database dump/);
  mkdirSync(join(dir, 'AlteryxGallery'));
  t.regex(((await galleryAdGroups(ctx(), dumpOf(dir))) as { reason: string }).reason, /no user groups collection/);
  const docs = [
    { name: 'Finance', role: 'Artisan', activeDirectoryGroups: [{ name: 'CONTOSO\\Finance', sid: 'S-1-5-21-1-2-3-1104' }] },
    { name: 'Legacy', sid: 'S-1-5-21-1-2-3-1200', adName: 'CONTOSO\\Old' },
    { name: 'Local only', activeDirectoryGroups: [] },
  ];
  writeFileSync(join(dir, 'AlteryxGallery', 'userGroups.bson.gz'), gzipSync(Buffer.concat(docs.map((d) => BSON.serialize(d)))));
  const r = await galleryAdGroups(ctx(), dumpOf(dir));
  t.is(r.status, 'ok');
  const groups = (r as { value: Array<{ name: string; activeDirectoryGroups: Array<{ name: string; sid: string }> }> }).value;
  t.deepEqual(
    groups.map((g) => g.name),
    ['Finance', 'Legacy'],
  );
  t.is(groups[1]!.activeDirectoryGroups[0]!.name, 'CONTOSO\\Old');
  writeFileSync(join(dir, 'AlteryxGallery', 'userGroups.bson.gz'), gzipSync(BSON.serialize(docs[2]!)));
  t.regex(((await galleryAdGroups(ctx(), dumpOf(dir))) as { reason: string }).reason, /hold no Active Directory group/);
});
