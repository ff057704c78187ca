// REQ-2.2.4: which MongoDB a server uses, from its effective RuntimeSettings.xml, and which element decided.
import test from 'ava';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { runBackup, type BackupResult } from '../src/backup/backup.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { detectMongoType } from '../src/core/mongo-detect.ts';
import { EffectiveSettings, parseRuntimeSettings, readRuntimeSettings } from '../src/core/settings.ts';
import { BackupError, ExitCode } from '../src/core/errors.ts';
import { REFERENCE_DEFAULTS_XML, REFERENCE_OVERRIDES_XML } from '../src/sandbox/reference-settings.ts';
import { setSetting } from '../src/sandbox/settings-xml.ts';
import { mapWindowsPath, readEvents, readSandboxFile, WIN } from '../src/sandbox/index.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { quickSandbox } from './helpers/sandbox.ts';

const defaults = parseRuntimeSettings(REFERENCE_DEFAULTS_XML, 'defaults.xml');
const overrides = (xml: string) => parseRuntimeSettings(`<SystemSettings>${xml}</SystemSettings>`, 'overrides.xml');
const detect = (xml: string, defaultsTree = defaults) => detectMongoType('auto', new EffectiveSettings(overrides(xml), defaultsTree));

async function backup(params: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<{ r: BackupResult; logs: LogRecord[] }> {
  const logs: LogRecord[] = [];
  const r = await runBackup({ params, secrets, dryRun: false }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} });
  return { r, logs };
}

test('the reference files as shipped (EmbeddedMongoDBEnabled and MongoDBEnabled both False): embedded, the Alteryx default', (t) => {
  const d = detectMongoType('auto', new EffectiveSettings(parseRuntimeSettings(REFERENCE_OVERRIDES_XML, 'o.xml'), defaults));
  t.is(d.type, 'embedded');
  t.is(
    d.decidedBy,
    'neither EmbeddedMongoDBEnabled nor MongoDBEnabled is True (EmbeddedMongoDBEnabled = False in the defaults file): embedded assumed, the Alteryx default',
  );
  t.is(detectMongoType('auto', undefined).type, 'embedded');
});

test('embedded, the two self-managed element forms, the Gallery form; the element and its file are named', (t) => {
  t.deepEqual(detect('<Controller><EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled></Controller>'), {
    type: 'embedded',
    decidedBy: 'Controller/EmbeddedMongoDBEnabled = True (overrides file)',
  });
  t.deepEqual(detect('<Controller><MongoDBEnabled>True</MongoDBEnabled><MongoDBServerName>mongo01:27017</MongoDBServerName></Controller>'), {
    type: 'selfManaged',
    decidedBy: 'Controller/MongoDBEnabled = True with MongoDBServerName (overrides file)',
  });
  t.deepEqual(detect('<Persistence><Mongo><ConnectionString>mongodb://mongo01:27017/?replicaSet=rs0</ConnectionString></Mongo></Persistence>'), {
    type: 'selfManaged',
    decidedBy: 'Persistence/Mongo/ConnectionString in the overrides file',
  });
  // The connection string element wins over an embedded flag (it is checked first, as the issue asks).
  t.is(
    detect(
      '<Controller><EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled></Controller><Persistence><Mongo><ConnectionString>mongodb://m</ConnectionString></Mongo></Persistence>',
    ).type,
    'selfManaged',
  );
  // Flags are case-insensitive; the defaults file decides where the overrides are silent.
  const defaultsSelf = parseRuntimeSettings(
    setSetting(setSetting(REFERENCE_DEFAULTS_XML, 'Controller', 'MongoDBEnabled', 'true'), 'Controller', 'MongoDBServerName', 'm1'),
    'd.xml',
  );
  t.deepEqual(detect('', defaultsSelf), { type: 'selfManaged', decidedBy: 'Controller/MongoDBEnabled = True with MongoDBServerName (defaults file)' });
  // The Gallery's connection is in effect only with MongoDBWebOverride True (issue 13).
  t.deepEqual(
    detect('<Gallery><MongoDBWebOverride>True</MongoDBWebOverride><MongoDBWebConnection>mongodb://g:27017/AlteryxGallery</MongoDBWebConnection></Gallery>'),
    { type: 'selfManaged', decidedBy: 'Gallery/MongoDBWebConnection with MongoDBWebOverride = True (overrides file)' },
  );
  const notInEffect = detect('<Gallery><MongoDBWebConnection>mongodb://g:27017/AlteryxGallery</MongoDBWebConnection></Gallery>');
  t.is(notInEffect.type, 'embedded');
  t.regex(notInEffect.decidedBy, /MongoDBWeb\* is set but not in effect \(MongoDBWebOverride is not True\)/);
});

test('contradictions are resolved and said: both flags True, MongoDBEnabled without a server name, an explicit Type', (t) => {
  const both = detect('<Controller><EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled><MongoDBEnabled>True</MongoDBEnabled></Controller>');
  t.is(both.type, 'embedded');
  t.regex(both.decidedBy, /MongoDBEnabled is True as well \(overrides file\), the embedded flag wins/);
  t.deepEqual(detect('<Controller><MongoDBEnabled>True</MongoDBEnabled></Controller>'), {
    type: 'selfManaged',
    decidedBy: 'Controller/MongoDBEnabled = True (overrides file; MongoDBServerName is empty)',
  });
  // An overrides False beats a defaults True.
  const defaultsEmb = parseRuntimeSettings(setSetting(REFERENCE_DEFAULTS_XML, 'Controller', 'EmbeddedMongoDBEnabled', 'True'), 'd.xml');
  t.is(
    detect('<Controller><EmbeddedMongoDBEnabled>False</EmbeddedMongoDBEnabled><MongoDBEnabled>True</MongoDBEnabled></Controller>', defaultsEmb).type,
    'selfManaged',
  );
  t.deepEqual(detectMongoType('selfManaged', new EffectiveSettings(overrides(''), defaults)), {
    type: 'selfManaged',
    decidedBy: 'MongoDBConfiguration.Type = selfManaged',
  });
});

test('readRuntimeSettings: a missing file is undefined, a folder in its place is exit 3 naming the file, a BOM is accepted', async (t) => {
  const { root } = await quickSandbox(t);
  t.is(await readRuntimeSettings(`${root}/nope.xml`, 'C:\\nope.xml'), undefined);
  mkdirSync(`${root}/dir.xml`);
  const e1 = await t.throwsAsync(readRuntimeSettings(`${root}/dir.xml`, 'C:\\ProgramData\\Alteryx\\RuntimeSettings.xml'), { instanceOf: BackupError });
  t.is(e1!.exitCode, ExitCode.Validation);
  t.regex(e1!.message, /^C:\\ProgramData\\Alteryx\\RuntimeSettings\.xml cannot be read \(EISDIR\)/);
  writeFileSync(`${root}/bom.xml`, '\uFEFF<SystemSettings><Controller><MongoDBEnabled>True</MongoDBEnabled></Controller></SystemSettings>');
  t.truthy(await readRuntimeSettings(`${root}/bom.xml`, 'bom.xml'), 'a byte-order mark is accepted');
});

test('sandboxes, end to end: embedded install and self-managed install are detected from their files and logged', async (t) => {
  const emb = await quickSandbox(t);
  const embDb = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: emb.dir, ConfigPath: emb.config, MongoDBType: 'auto' });
  t.is(embDb.r.exitCode, 0, embDb.r.message);
  t.true(embDb.logs.some((l) => l.message === 'MongoDB: embedded (decided by Controller/EmbeddedMongoDBEnabled = True (overrides file))'));

  const sm = await quickSandbox(t, { mongo: 'self-managed' }, { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } });
  const pw = readSandboxFile(sm.dir).selfManaged!.password;
  const s = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: sm.dir, ConfigPath: sm.config }, { MongoPassword: pw });
  t.is(s.r.exitCode, 0, s.r.message);
  t.true(s.logs.some((l) => l.message === 'MongoDB: selfManaged (decided by Controller/MongoDBEnabled = True with MongoDBServerName (overrides file))'));
});

test('sandbox described by <Persistence><Mongo><ConnectionString> alone: detected, and the connection taken from it', async (t) => {
  const sm = await quickSandbox(t, { mongo: 'self-managed' }, { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } });
  const file = mapWindowsPath(sm.dir, sm.dir, WIN.overridesXml);
  let xml = readFileSync(file, 'utf8');
  xml = setSetting(xml, 'Controller', 'MongoDBEnabled', 'False');
  xml = setSetting(xml, 'Gallery', 'MongoDBWebConnection', '');
  xml = xml.replace(
    '</SystemSettings>',
    '\t<Persistence>\n\t\t<Mongo>\n\t\t\t<ConnectionString>mongodb://backup@mongo02:27017,mongo01:27017/?replicaSet=rs0&amp;authSource=admin</ConnectionString>\n\t\t</Mongo>\n\t</Persistence>\n</SystemSettings>',
  );
  writeFileSync(file, xml);
  const pw = readSandboxFile(sm.dir).selfManaged!.password;
  const { r, logs } = await backup({ BackupMode: 'DatabaseOnly', SandboxPath: sm.dir, ConfigPath: sm.config }, { MongoPassword: pw });
  t.is(r.exitCode, 0, r.message);
  t.true(logs.some((l) => l.message === 'MongoDB: selfManaged (decided by Persistence/Mongo/ConnectionString in the overrides file)'));
  t.true(
    logs.some(
      (l) =>
        l.message ===
        'MongoDB connection: mongodb://backup@mongo02:27017,mongo01:27017/?replicaSet=rs0&authSource=admin (from Persistence/Mongo/ConnectionString in the overrides RuntimeSettings.xml)',
    ),
  );
});

test('a malformed RuntimeSettings.xml: exit 3 naming the file and the line, nothing touched', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const file = mapWindowsPath(dir, dir, WIN.overridesXml);
  writeFileSync(
    file,
    '<?xml version="1.0"?>\n<SystemSettings>\n\t<Controller>\n\t\t<EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled>\n</SystemSettings>\n',
  );
  const before = readEvents(dir).length;
  const { r } = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  t.is(r.exitCode, 3);
  t.regex(r.message, /^C:\\ProgramData\\Alteryx\\RuntimeSettings\.xml is not valid XML \(line 5, column \d+: /);
  t.is(readEvents(dir).length, before, 'nothing happened on the server');
  // A folder where the file should be: the same exit code, naming the file.
  rmSync(file);
  mkdirSync(file);
  const u = await backup({ BackupMode: 'Full', SandboxPath: dir, ConfigPath: config });
  t.is(u.r.exitCode, 3);
  t.regex(u.r.message, /^C:\\ProgramData\\Alteryx\\RuntimeSettings\.xml cannot be read \(EISDIR\)/);
});
