import test from 'ava';
import { archiveName, buildPlan, MODE_SCOPES } from '../src/core/plan.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { startOrder, stopOrder } from '../src/steps/services.ts';
import type { NodeRef } from '../src/platform/ports.ts';

const names = (mode: 'Full' | 'DatabaseOnly' | 'ConfigOnly', mongoType: 'embedded' | 'selfManaged' = 'embedded', stop = false): string[] =>
  buildPlan({
    mode,
    mongoType,
    config: ConfigSchema.parse({ ServiceConfiguration: { StopServiceForExternalDB: stop } }),
    nodes: [{ name: 'ALTERYX01', role: 'controller' }],
    stamp: '20260113_020000',
  }).steps.map((s) => s.name);

test('ConfigOnly never touches the service and never dumps', (t) => {
  const steps = names('ConfigOnly');
  t.false(steps.includes('stop-service'));
  t.false(steps.includes('dump'));
  t.true(steps.includes('files'));
  t.true(steps.includes('secrets'));
});

test('DatabaseOnly dumps but copies no configuration', (t) => {
  const steps = names('DatabaseOnly');
  t.deepEqual(MODE_SCOPES.DatabaseOnly, ['Database', 'Metadata']);
  t.true(steps.includes('dump'));
  t.false(steps.includes('files'));
  t.false(steps.includes('secrets'));
});

test('Full: files and secrets before the stop, only the dump between the stops and the starts, counts after the start, archiving last', (t) => {
  const steps = names('Full');
  const i = (s: string) => steps.indexOf(s);
  t.true(i('workflows') < i('files'));
  t.true(i('files') < i('secrets'));
  t.true(i('secrets') < i('stop-service'));
  t.true(i('stop-service') < i('dump'));
  t.true(i('dump') < i('start-service'));
  t.true(i('start-service') < i('count-documents'));
  t.true(i('count-documents') < i('metadata'));
  t.true(i('metadata') < i('archive'));
  t.true(i('archive') < i('verify'));
  t.true(i('verify') < i('publish'));
});

// Issue 15: downtime = stop + dump + start. For every plan that stops the service, nothing but the stops, the
// dump and the starts lies between the first stop and the last start; the document counts come after.
for (const [mode, mongoType, stop] of [
  ['Full', 'embedded', false],
  ['DatabaseOnly', 'embedded', false],
  ['Full', 'selfManaged', true],
  ['DatabaseOnly', 'selfManaged', true],
] as const) {
  for (const topology of ['single', 'multi'] as const) {
    test(`downtime window of ${mode} (${mongoType}${stop ? ', StopServiceForExternalDB' : ''}, ${topology} node): stops, dump, starts, nothing else`, (t) => {
      const nodes: Array<Pick<NodeRef, 'name' | 'role'>> =
        topology === 'single'
          ? [{ name: 'ALTERYX01', role: 'controller' }]
          : [
              { name: 'C', role: 'controller' },
              { name: 'W1', role: 'worker' },
              { name: 'U', role: 'ui' },
            ];
      const plan = buildPlan({
        mode,
        mongoType,
        config: ConfigSchema.parse({ ServiceConfiguration: { StopServiceForExternalDB: stop } }),
        nodes,
        stamp: '20260113_020000',
      });
      const steps = plan.steps.map((s) => s.name);
      t.true(plan.stopsService);
      const first = steps.indexOf('stop-service');
      const last = steps.lastIndexOf('start-service');
      t.true(first > 0 && last > first);
      t.deepEqual(steps.slice(first, last + 1), [...nodes.map(() => 'stop-service'), 'dump', ...nodes.map(() => 'start-service')]);
      t.is(steps[last + 1], 'count-documents');
      t.is(steps.filter((s) => s === 'count-documents').length, 1);
      if (mode === 'Full') {
        t.true(steps.lastIndexOf('files') < first, "every node's files are copied before the first stop");
        t.true(steps.indexOf('secrets') < first && steps.indexOf('secrets') > steps.indexOf('workflows'));
      }
      const count = plan.steps[last + 1] as { dir: string; changesState: boolean };
      t.is(count.dir, `D:\\Temp\\ServerBackup_${mode}_20260113_020000\\MongoDB`);
      t.false(count.changesState);
    });
  }
}

test('ConfigOnly and a self-managed dump without a stop: no count-documents window, counts still after the dump', (t) => {
  t.false(names('ConfigOnly').includes('count-documents'));
  const sm = names('DatabaseOnly', 'selfManaged');
  t.false(sm.includes('stop-service'));
  t.is(sm.indexOf('count-documents'), sm.indexOf('dump') + 1);
});

test('a self-managed database keeps the service running unless asked, and is checked before anything stops', (t) => {
  t.false(names('Full', 'selfManaged').includes('stop-service'));
  const withStop = names('Full', 'selfManaged', true);
  t.true(withStop.indexOf('mongo-check') < withStop.indexOf('stop-service'));
  t.false(names('ConfigOnly', 'selfManaged').includes('mongo-check'));
  t.true(names('Full', 'selfManaged', true).includes('stop-service'));
});

test('archive names by mode, and the legacy name by configuration', (t) => {
  const config = ConfigSchema.parse({});
  t.is(archiveName({ mode: 'Full', stamp: '20260113_020000', config }), 'ServerBackup_Full_20260113_020000.zip');
  t.is(archiveName({ mode: 'DatabaseOnly', stamp: '20260113_020000', config }), 'ServerBackup_DB_20260113_020000.zip');
  t.is(archiveName({ mode: 'ConfigOnly', stamp: '20260113_020000', config }), 'ServerBackup_Config_20260113_020000.zip');
  const legacy = ConfigSchema.parse({ BackupConfiguration: { ArchiveNameFormat: 'legacy' } });
  t.is(archiveName({ mode: 'Full', stamp: '20260113_020000', config: legacy }), 'ServerBackup_20260113_020000.zip');
  // The legacy name means a full backup: the other modes keep their mode's name (issue 13).
  t.is(archiveName({ mode: 'ConfigOnly', stamp: '20260113_020000', config: legacy }), 'ServerBackup_Config_20260113_020000.zip');
  t.is(archiveName({ mode: 'DatabaseOnly', stamp: '20260113_020000', config: legacy }), 'ServerBackup_DB_20260113_020000.zip');
});

test('multi-node order: UI, workers, controller to stop; the reverse to start', (t) => {
  const nodes: NodeRef[] = [
    { name: 'C', role: 'controller', local: true },
    { name: 'W1', role: 'worker', local: false },
    { name: 'U', role: 'ui', local: false },
    { name: 'W2', role: 'worker', local: false },
  ];
  t.deepEqual(
    stopOrder(nodes).map((n) => n.role),
    ['ui', 'worker', 'worker', 'controller'],
  );
  t.deepEqual(
    startOrder(nodes).map((n) => n.role),
    ['controller', 'worker', 'worker', 'ui'],
  );
});

test('Full on a multi-node sandbox: every node stopped (UI, workers, controller) and started in reverse, every dumped database, every copied file per node', async (t) => {
  const { createSandbox } = await import('../src/sandbox/index.ts');
  const { sandboxPlatform } = await import('../src/platform/sandbox/adapter.ts');
  const { tempDir } = await import('./helpers/tmp.ts');
  const dir = `${tempDir(t)}/server`;
  await createSandbox(dir, { topology: 'multi', dbSizeMb: 0.05 });
  const platform = sandboxPlatform(dir);
  t.teardown(() => platform.dispose());
  const config = ConfigSchema.parse({});
  const plan = buildPlan({ mode: 'Full', mongoType: 'embedded', config, nodes: platform.nodes, stamp: '20260113_020000' });
  const role = (name: string) => platform.nodes.find((n) => n.name === name)!.role;
  const stops = plan.steps.filter((s) => s.name === 'stop-service') as Array<{ node: string; target: string; action: string; changesState: boolean }>;
  const starts = plan.steps.filter((s) => s.name === 'start-service') as Array<{ node: string }>;
  t.is(stops.length, platform.nodes.length);
  t.deepEqual(
    stops.map((s) => role(s.node)),
    ['ui', 'worker', 'worker', 'controller'],
  );
  t.deepEqual(
    starts.map((s) => s.node),
    [...stops.map((s) => s.node)].reverse(),
  );
  t.deepEqual(
    stops.map((s) => s.target),
    stops.map((s) => `AlteryxService on ${s.node}`),
  );
  t.true(stops.every((s) => s.changesState && s.action === 'Stop service'));
  const dump = plan.steps.find((s) => s.name === 'dump') as unknown as { databases: string[]; to: string; description: string };
  t.deepEqual(dump.databases, ['AlteryxGallery', 'AlteryxGallery_Lucene', 'AlteryxService']);
  t.is(dump.to, 'D:\\Temp\\ServerBackup_Full_20260113_020000\\MongoDB');
  for (const db of dump.databases) t.true(dump.description.includes(db));
  const files = plan.steps.filter((s) => s.name === 'files') as Array<{ node: string; copies: Array<{ from: string; to: string }> }>;
  t.deepEqual(
    files.map((f) => f.node),
    platform.nodes.map((n) => n.name),
  );
  for (const f of files) {
    const to = f.copies.map((c) => c.to);
    for (const rel of [
      'Config/RuntimeSettings.xml',
      'Config/RuntimeSettings.defaults.xml',
      'Config/Keys/',
      'Config/Engine/SystemAlias.xml',
      'Config/Engine/SystemConnections.xml',
    ]) {
      t.true(to.includes(`nodes/${f.node}/${rel}`), `${f.node}: ${rel}`);
    }
    t.true(f.copies.some((c) => c.from === 'C:\\ProgramData\\Alteryx\\RuntimeSettings.xml'));
  }
  // The order of the whole backup: files before the first stop, stops before the dump, the archive after the starts.
  const at = (id: string) => plan.steps.findIndex((s) => s.id === id);
  t.true(at(`stop-service:${stops.at(-1)!.node}`) < at('dump'));
  t.true(at(`files:${files.at(-1)!.node}`) < at(`stop-service:${stops[0]!.node}`));
  t.true(at(`start-service:${starts.at(-1)!.node}`) < at('archive'));
  t.is((plan.steps.find((s) => s.name === 'publish') as { path: string }).path, 'D:\\Alteryx\\Backups\\ServerBackup_Full_20260113_020000.zip');
});

test('cloud destinations: one cloud-upload per destination after the network copy, one cloud-retention each after retention, target without credentials', (t) => {
  const config = ConfigSchema.parse({
    BackupConfiguration: {
      NetworkBackupPaths: ['\\\\nas01\\AlteryxBackups'],
      CloudDestinations: [
        { Name: 'aws', Url: 's3://alteryx-backups/prod' },
        { Name: 'azure', Url: 'azblob://acct/backups/prod' },
      ],
    },
  });
  const plan = buildPlan({ mode: 'Full', mongoType: 'embedded', config, nodes: [{ name: 'ALTERYX01', role: 'controller' }], stamp: '20260113_020000' });
  const ids = plan.steps.map((s) => s.id);
  t.deepEqual(ids.slice(ids.indexOf('copy'), ids.indexOf('cleanup')), [
    'copy',
    'cloud-upload:aws',
    'cloud-upload:azure',
    'retention',
    'cloud-retention:aws',
    'cloud-retention:azure',
  ]);
  const up = plan.steps.find((s) => s.id === 'cloud-upload:azure')!;
  t.is(up.target, 'azblob://acct/backups/prod');
  t.true(up.changesState);
  t.is(up.action, 'Upload archive');
  t.is(plan.steps.find((s) => s.id === 'cloud-retention:aws')!.target, 's3://alteryx-backups/prod');
  // No cloud destination: no cloud step.
  t.false(names('Full').some((n) => n.startsWith('cloud-')));
});
