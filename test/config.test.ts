import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import { defaultsText, schemaText } from '../scripts/gen-schema.ts';
import { tempDir } from './helpers/tmp.ts';

const repo = join(import.meta.dirname, '..');

test('the shipped backup-config.json holds every default and validates (run npm run gen:schema when this fails)', (t) => {
  t.is(readFileSync(join(repo, 'config/backup-config.json'), 'utf8'), defaultsText());
  const shipped = JSON.parse(readFileSync(join(repo, 'config/backup-config.json'), 'utf8'));
  const { $schema, ...rest } = shipped;
  t.is($schema, './backup-config.schema.json');
  t.deepEqual(rest, JSON.parse(JSON.stringify(ConfigSchema.parse({}))));
});

test('the example configuration validates (its _comment keys are ignored)', (t) => {
  const r = loadConfig({ ConfigPath: join(repo, 'config/backup-config.example.json') });
  t.is(r.mode, 'Full');
  t.deepEqual(r.config.BackupConfiguration.NetworkBackupPaths, ['\\\\nas01\\AlteryxBackups', 'Z:\\AlteryxBackups']);
  t.is(r.config.ServerConfiguration.Nodes.length, 2);
});

test('the committed JSON Schema is what the zod schema generates (run npm run gen:schema when this fails)', (t) => {
  t.is(readFileSync(join(repo, 'config/backup-config.schema.json'), 'utf8'), schemaText());
});

test('requirements.md defaults', (t) => {
  const c = ConfigSchema.parse({});
  t.is(c.BackupConfiguration.TempDirectory, 'D:\\Temp');
  t.is(c.BackupConfiguration.LocalBackupPath, 'D:\\Alteryx\\Backups');
  t.is(c.BackupConfiguration.LogDirectory, 'D:\\Alteryx\\BackupLogs');
  t.deepEqual(c.BackupConfiguration.RetentionDays, { Full: 30, DatabaseOnly: 7, ConfigOnly: 14 });
  t.is(c.ServiceConfiguration.MaxServiceWaitSeconds, 7200);
  t.is(c.ServiceConfiguration.MaxWorkflowWaitSeconds, 3600);
  t.false(c.ServiceConfiguration.ForceStopWorkflows);
  t.is(c.MongoDBConfiguration.Type, 'auto');
  t.is(c.MongoDBConfiguration.SelfManagedMongoDB.Port, 27017);
  t.deepEqual(c.ValidationConfiguration.MinimumBackupSizeMB, { Full: 1, DatabaseOnly: 1, ConfigOnly: 0.005 });
  t.is(c.NotificationConfiguration.SMTPPort, 587);
});

test('parameters override the file; RetentionDays lands on the run mode', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ BackupConfiguration: { TempDirectory: 'E:\\Stage', LocalBackupPath: 'E:\\B' } }));
  const r = loadConfig({ ConfigPath: file, BackupMode: 'databaseonly', TempDirectory: 'F:\\T', RetentionDays: 3, NetworkBackupPath: '\\\\nas\\x' });
  t.is(r.mode, 'DatabaseOnly');
  t.is(r.config.BackupConfiguration.TempDirectory, 'F:\\T');
  t.is(r.config.BackupConfiguration.LocalBackupPath, 'E:\\B');
  t.is(r.config.BackupConfiguration.RetentionDays.DatabaseOnly, 3);
  t.is(r.config.BackupConfiguration.RetentionDays.Full, 30);
  t.deepEqual(r.config.BackupConfiguration.NetworkBackupPaths, ['\\\\nas\\x']);
  t.true(r.overridden.includes('BackupConfiguration.RetentionDays.DatabaseOnly'));
});

test('a bad mode is exit 6, from a parameter and from the file', (t) => {
  const e1 = t.throws(() => loadConfig({ BackupMode: 'Bogus' }), { instanceOf: BackupError });
  t.is(e1.exitCode, ExitCode.InvalidMode);
  t.regex(e1.full, /Bogus.*Full, DatabaseOnly, ConfigOnly/);
  const dir = tempDir(t);
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ BackupConfiguration: { DefaultBackupMode: 'Nightly' } }));
  const e2 = t.throws(() => loadConfig({ ConfigPath: file }), { instanceOf: BackupError });
  t.is(e2.exitCode, ExitCode.InvalidMode);
  t.regex(e2.message, /Nightly.*DefaultBackupMode/);
});

test('a bad value is exit 3 and the message names the key and the value', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ ServiceConfiguration: { MaxServiceWaitSeconds: -5 }, BackupConfiguration: { Retention: 3 } }));
  const e = t.throws(() => loadConfig({ ConfigPath: file }), { instanceOf: BackupError });
  t.is(e.exitCode, ExitCode.Validation);
  t.regex(e.message, /ServiceConfiguration\.MaxServiceWaitSeconds = -5/);
  t.regex(e.message, /unknown key BackupConfiguration\.Retention/);
  const e2 = t.throws(() => loadConfig({ ConfigPath: file, CompressionLevel: 12 }), { instanceOf: BackupError });
  t.regex(e2.message, /CompressionLevel = 12/);
});

test('invalid JSON names the file and the line; a missing file is exit 3', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.json');
  writeFileSync(file, '{\n  "BackupConfiguration": {\n    "TempDirectory": "D:\\Temp",\n  }\n}');
  const e = t.throws(() => loadConfig({ ConfigPath: file }), { instanceOf: BackupError });
  t.is(e.exitCode, ExitCode.Validation);
  t.true(e.message.includes(file));
  t.regex(e.message, /line \d+/);
  const e2 = t.throws(() => loadConfig({ ConfigPath: join(dir, 'nope.json') }), { instanceOf: BackupError });
  t.is(e2.exitCode, ExitCode.Validation);
});
