// The pure parts of a restore and a drill, on their own: placement (which archive file goes where),
// the judgement of an emongorestore (mongoRestore.log and its output), the count comparisons, the version
// judgement, and the restore plan built from them.
import test from 'ava';
import { ConfigSchema } from '../src/config/schema.ts';
import type { Manifest, ManifestFile } from '../src/core/manifest.ts';
import { nodePaths } from '../src/core/paths.ts';
import type { NodeRef } from '../src/platform/ports.ts';
import { judgeCounts, judgeEmongorestore } from '../src/restore/database.ts';
import { judgeDrillCounts } from '../src/restore/drill-steps.ts';
import { configTarget, extractedBy, mapNodes, placeFiles, restoreOrder } from '../src/restore/placement.ts';
import { buildRestorePlan, restoreScope } from '../src/restore/plan.ts';
import { judgeRestoreTarget, judgeVersions } from '../src/restore/preflight.ts';

const paths = nodePaths({ config: ConfigSchema.parse({}) });
const file = (path: string, source?: string): ManifestFile => ({ path, size: 10, sha256: 'a'.repeat(64), kind: 'settings', source }) as ManifestFile;
const C: NodeRef = { name: 'NEWCTL', role: 'controller', local: true };
const W: NodeRef = { name: 'NEWWKR', role: 'worker', local: false };
const all = { config: true, database: true, secrets: true };

test('mapNodes: by host name first, then by role; a node without counterpart is exit 3 naming it', (t) => {
  const same = mapNodes([{ name: 'newctl', role: 'controller' }], [C, W]);
  t.is(same.map.get('newctl'), C);
  t.deepEqual(same.notes, []);
  const moved = mapNodes(
    [
      { name: 'OLDCTL', role: 'controller' },
      { name: 'OLDWKR', role: 'worker' },
    ],
    [C, W],
  );
  t.is(moved.map.get('OLDWKR'), W);
  t.is(moved.notes.length, 2);
  t.regex(moved.notes[0]!, /OLDCTL \(controller\) is restored onto NEWCTL/);
  const e = t.throws(() => mapNodes([{ name: 'UI1', role: 'ui' }], [C, W]));
  t.regex(e!.message, /UI1 \(ui\) has no counterpart/);
  t.is((e as { exitCode?: number }).exitCode, 3);
});

test('configTarget: overrides, never the defaults; alteryx.config where it was captured; Keys under the Keys folder', (t) => {
  t.is(configTarget('Config/RuntimeSettings.xml', paths), paths.overrides);
  t.is(configTarget('Config/RuntimeSettings.defaults.xml', paths), 'skip');
  t.is(configTarget('Config/alteryx.config', paths, 'C:\\Program Files\\Alteryx\\bin\\config\\alteryx.config'), paths.alteryxConfigOld);
  t.is(configTarget('Config/alteryx.config', paths, 'C:\\Program Files\\Alteryx\\bin\\server\\config\\alteryx.config'), paths.alteryxConfigNew);
  t.is(configTarget('Config/Keys/a/b.key', paths), `${paths.keys}\\a\\b.key`);
  t.is(configTarget('Config/Unknown.xml', paths), undefined);
});

test('placeFiles: a multi-node archive by node prefix, unknown entries noted, nothing for a database-only restore', (t) => {
  const m: Pick<Manifest, 'files' | 'nodes'> = {
    nodes: [
      { name: 'OLDCTL', role: 'controller' },
      { name: 'OLDWKR', role: 'worker' },
    ] as Manifest['nodes'],
    files: [
      file('nodes/OLDCTL/Config/RuntimeSettings.xml'),
      file('nodes/OLDCTL/Config/RuntimeSettings.defaults.xml'),
      file('nodes/OLDWKR/Config/Engine/SystemAlias.xml'),
      file('nodes/OLDWKR/Config/Keys/k1'),
      file('nodes/OLDWKR/Config/Odd.txt'),
      file('MongoDB/AlteryxService/AS_Queue.bson'),
      file('Secrets/ControllerToken.txt'),
    ],
  };
  const { placements, notes } = placeFiles(m, [C, W], paths, all);
  t.deepEqual(
    placements.map((p) => `${p.node.name}:${p.configured}`),
    [`NEWCTL:${paths.overrides}`, `NEWWKR:${paths.systemAlias}`, `NEWWKR:${paths.keys}\\k1`],
  );
  t.true(notes.some((n) => /Odd\.txt is not a file this tool restores/.test(n)));
  t.deepEqual(placeFiles(m, [C, W], paths, { config: false, database: true, secrets: false }).placements, []);
  // Host-recovery order: RuntimeSettings.xml, Keys, Engine files, alteryx.config.
  t.deepEqual(
    restoreOrder([...placements].reverse()).map((p) => p.rel),
    ['Config/RuntimeSettings.xml', 'Config/Keys/k1', 'Config/Engine/SystemAlias.xml'],
  );
  const wanted = extractedBy(placements, { config: true, database: true, secrets: false });
  t.true(wanted(m.files[5]!));
  t.false(wanted(m.files[6]!));
  t.false(wanted(m.files[1]!));
});

test('placeFiles: an archive without RuntimeSettings.xml is exit 3', (t) => {
  const e = t.throws(() =>
    placeFiles({ nodes: [{ name: 'A', role: 'controller' }] as Manifest['nodes'], files: [file('Config/Engine/SystemAlias.xml')] }, [C], paths, all),
  );
  t.regex(e!.message, /no RuntimeSettings\.xml/);
});

test('judgeEmongorestore: a clean log passes; "EMongoRestore failed" in the output fails even with a clean log', (t) => {
  const log =
    '2026-01-13T02:00:00 finished restoring AlteryxService.AS_Queue (5 documents, 0 failures)\n2026-01-13T02:00:01 5 document(s) restored successfully. 0 document(s) failed to restore.\n';
  const ok = judgeEmongorestore(log, 0, 'done');
  t.true(ok.ok);
  t.is(ok.restored, 5);
  const bad = judgeEmongorestore(log, 0, 'EMongoRestore failed: cannot open');
  t.false(bad.ok);
  t.true(bad.reasons.includes('the output says "EMongoRestore failed"'));
  t.regex(bad.summary, /^FAILED \(/);
  t.false(judgeEmongorestore(undefined, 0, '').ok);
});

test('judgeCounts: equal counts pass; a missing collection or a short total fails and is named', (t) => {
  const expected = { AlteryxService: { AS_Queue: 5, AS_Results: 2 } };
  const v = judgeEmongorestore(
    'finished restoring AlteryxService.AS_Queue (5 documents, 0 failures)\nfinished restoring AlteryxService.AS_Results (2 documents, 0 failures)\n7 document(s) restored successfully. 0 document(s) failed to restore.\n',
    0,
    '',
  );
  const good = judgeCounts(expected, v);
  t.true(good.ok);
  t.is(good.expectedTotal, 7);
  t.regex(good.detail, /7 restored of 7 in the manifest, 2 collections/);
  const short = judgeEmongorestore(
    'finished restoring AlteryxService.AS_Queue (5 documents, 0 failures)\n5 document(s) restored successfully. 0 document(s) failed to restore.\n',
    0,
    '',
  );
  const bad = judgeCounts(expected, short);
  t.false(bad.ok);
  t.regex(bad.detail, /1 collection\(s\) differ from the manifest: AlteryxService\.AS_Results manifest 2, restored -/);
});

test('judgeDrillCounts: self-managed archives compare the Alteryx databases only; a differing count is a bad row', (t) => {
  const m = {
    mongo: { type: 'selfManaged', dumped: true, gzip: true, databases: { AlteryxService: { AS_Queue: 3 }, admin: { users: 1 } } },
  } as unknown as Pick<Manifest, 'mongo'>;
  const j = judgeDrillCounts(m, null, { AlteryxService: { AS_Queue: 3 }, admin: { users: 9 } });
  t.deepEqual(j.bad, []);
  t.is(j.actualTotal, 3);
  const off = judgeDrillCounts(m, null, { AlteryxService: { AS_Queue: 2 } });
  t.is(off.bad.length, 1);
  t.is(judgeDrillCounts(m, null, undefined).actualTotal, null);
});

test('judgeVersions: same version, same release, another release, unknown', (t) => {
  t.deepEqual(judgeVersions('2023.1.1.281', '2023.1.1.281'), { detail: '2023.1.1.281 on both' });
  t.regex(judgeVersions('2023.1.1.281', '2023.1.1.300').warning!, /Same release, different build/);
  t.regex(judgeVersions('2022.3.1.100', '2023.1.1.281').warning!, /same release only/);
  t.regex(judgeVersions(null, '2023.1.1.281').warning!, /cannot compare/);
});

test('buildRestorePlan: per-node stop and start in order, every placement, nothing to stop for a self-managed database-only restore', (t) => {
  const U: NodeRef = { name: 'UI1', role: 'ui', local: false };
  const placements = [{ file: { path: 'Config/RuntimeSettings.xml' }, node: { name: 'NEWCTL' }, configured: paths.overrides }];
  const steps = buildRestorePlan({
    archivePath: '/a.zip',
    scope: all,
    nodes: [C, W, U],
    serviceName: 'AlteryxService',
    extractFolder: 'D:\\Temp\\X',
    preRestoreFolder: 'D:\\Temp\\P',
    placements,
  });
  t.deepEqual(
    steps.filter((s) => s.name === 'stop-service').map((s) => s.id),
    ['stop-service:UI1', 'stop-service:NEWWKR', 'stop-service:NEWCTL'],
  );
  t.deepEqual(
    steps.filter((s) => s.name === 'start-service').map((s) => s.id),
    ['start-service:NEWCTL', 'start-service:NEWWKR', 'start-service:UI1'],
  );
  const files = steps.find((s) => s.name === 'files') as { placements: unknown[] } | undefined;
  t.deepEqual(files?.placements, [{ path: 'Config/RuntimeSettings.xml', node: 'NEWCTL', to: paths.overrides }]);
  const secret = steps.find((s) => s.name === 'server-secret') as { nodes: string[] } | undefined;
  t.is(secret?.nodes[0], 'NEWCTL');
  const db = buildRestorePlan({
    archivePath: '/a.zip',
    scope: { config: false, database: true, secrets: false },
    nodes: [C],
    serviceName: 'AlteryxService',
    extractFolder: 'X',
    preRestoreFolder: 'P',
    placements: [],
    selfManaged: true,
    stopsService: false,
  });
  t.false(db.some((s) => s.name === 'stop-service' || s.name === 'start-service' || s.name === 'files'));
  t.deepEqual(
    db.map((s) => s.name),
    ['verify', 'preflight', 'mongo-check', 'extract', 'pre-restore', 'database', 'check', 'cleanup'],
  );
  t.is(
    restoreScope({ mode: 'ConfigOnly', dumped: false, hasToken: true }, 'DatabaseOnly'),
    'a DatabaseOnly restore needs the database, and this ConfigOnly archive holds none',
  );
  // A worker's (or SQL Server host's) Full archive: no dump; the files restore with ConfigOnly.
  t.regex(
    String(restoreScope({ mode: 'Full', dumped: false, hasToken: false }, undefined)),
    /was not dumped \(a Full backup of a worker.*-RestoreMode ConfigOnly$/,
  );
  t.deepEqual(restoreScope({ mode: 'Full', dumped: false, hasToken: false }, 'ConfigOnly'), { database: false, config: true, secrets: false });
});

test('judgeRestoreTarget: what a worker, a UI node, a controller and a SQL Server / SQLite host may take (issue 13)', (t) => {
  const worker = { role: 'worker', nodeRole: 'worker', remoteController: 'ctl01:80', decidedBy: 'Controller/ControllerEnabled = False' } as const;
  const ui = { role: 'ui', nodeRole: 'ui', decidedBy: 'Controller/GalleryEnabled = True' } as const;
  const ctl = { role: 'combined', nodeRole: 'controller', decidedBy: 'Controller/ControllerEnabled = True' } as const;
  const embedded = { kind: 'embedded', decidedBy: 'Controller/EmbeddedMongoDBEnabled = True' } as const;
  const full = { database: true, config: true };
  const files = { database: false, config: true };
  const fromCtl = { name: 'ALTERYX01', role: 'controller' };
  const fromWkr = { name: 'WKR9', role: 'worker' };

  const db = judgeRestoreTarget({ scope: full, role: worker, archiveNode: fromCtl, persistence: embedded });
  t.regex(db.refusal!.message, /^This machine is a worker \(Controller\/ControllerEnabled = False\): it holds no Alteryx database/);
  t.regex(db.refusal!.hint, /on the controller ctl01:80/);
  t.regex(
    judgeRestoreTarget({ scope: { database: true, config: false }, role: ui, archiveNode: fromCtl, persistence: embedded }).refusal!.message,
    /is a Server UI \(Gallery\) node/,
  );

  const ctlFiles = judgeRestoreTarget({ scope: files, role: worker, archiveNode: fromCtl, persistence: undefined });
  t.regex(ctlFiles.refusal!.message, /taken on a controller \(ALTERYX01\) .*would turn this node into a controller/);
  t.deepEqual(judgeRestoreTarget({ scope: files, role: worker, archiveNode: fromWkr, persistence: undefined }), { warnings: [] });
  t.regex(
    judgeRestoreTarget({ scope: files, role: ui, archiveNode: fromWkr, persistence: undefined }).refusal!.message,
    /taken on a worker \(WKR9\) and this machine is a Server UI/,
  );

  const onCtl = judgeRestoreTarget({ scope: files, role: ctl, archiveNode: fromWkr, persistence: undefined });
  t.is(onCtl.refusal, undefined);
  t.regex(onCtl.warnings[0]!, /taken on a worker \(WKR9\) and this machine is a controller .*starts as a worker/);
  t.deepEqual(judgeRestoreTarget({ scope: full, role: ctl, archiveNode: fromCtl, persistence: embedded }), { warnings: [] });
  t.deepEqual(
    judgeRestoreTarget({ scope: full, role: undefined, archiveNode: undefined, persistence: embedded }),
    { warnings: [] },
    'configured nodes: roles stand',
  );

  const sql = judgeRestoreTarget({
    scope: full,
    role: ctl,
    archiveNode: fromCtl,
    persistence: { kind: 'sqlServer', decidedBy: 'Controller/SQLServerEnabled = True' },
  });
  t.regex(sql.refusal!.message, /user-managed SQL Server database \(decided by Controller\/SQLServerEnabled = True\), not in MongoDB/);
  t.regex(sql.refusal!.hint, /SQL Server's own tools.*-RestoreMode ConfigOnly/);
  const lite = judgeRestoreTarget({
    scope: full,
    role: undefined,
    archiveNode: undefined,
    persistence: { kind: 'sqlite', decidedBy: 'x', sqlitePath: 'C:\\db\\Alteryx.db' },
  });
  t.regex(lite.refusal!.message, /the SQLite database C:\\db\\Alteryx\.db/);
  t.is(
    judgeRestoreTarget({ scope: files, role: ctl, archiveNode: fromCtl, persistence: undefined }).refusal,
    undefined,
    'files only onto SQL Server: persistence not asked',
  );
});
