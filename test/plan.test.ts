import test from 'ava';
import { buildPlan, MODE_SCOPES } from '../src/core/plan.ts';
import { archiveName } from '../src/steps/archive.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { startOrder, stopOrder } from '../src/steps/services.ts';
import type { NodeRef } from '../src/platform/ports.ts';

const names = (mode: 'Full' | 'DatabaseOnly' | 'ConfigOnly', mongoType: 'embedded' | 'selfManaged' = 'embedded', stop = false) =>
  buildPlan({ mode, mongoType, stopServiceForExternalDB: stop, multiNode: false }).steps.map((s) => s.name);

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

test('Full stops, dumps and copies files before the start; archiving happens after the start', (t) => {
  const steps = names('Full');
  const i = (s: string) => steps.indexOf(s);
  t.true(i('workflows') < i('stop-service'));
  t.true(i('stop-service') < i('dump'));
  t.true(i('dump') < i('start-service'));
  t.true(i('files') < i('start-service'));
  t.true(i('start-service') < i('archive'));
  t.true(i('archive') < i('verify'));
  t.true(i('verify') < i('publish'));
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
  t.deepEqual(stopOrder(nodes).map((n) => n.role), ['ui', 'worker', 'worker', 'controller']);
  t.deepEqual(startOrder(nodes).map((n) => n.role), ['controller', 'worker', 'worker', 'ui']);
});
