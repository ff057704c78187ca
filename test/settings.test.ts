import test from 'ava';
import { REFERENCE_DEFAULTS_XML, REFERENCE_OVERRIDES_XML } from '../src/sandbox/reference-settings.ts';
import { EffectiveSettings, parseRuntimeSettings } from '../src/core/settings.ts';
import { detectMongoType } from '../src/core/mongo-detect.ts';
import { BackupError, ExitCode } from '../src/core/errors.ts';

const defaults = parseRuntimeSettings(REFERENCE_DEFAULTS_XML, 'defaults.xml');
const overrides = parseRuntimeSettings(REFERENCE_OVERRIDES_XML, 'overrides.xml');

test('the overrides file wins over the defaults file, element by element', (t) => {
  const s = new EffectiveSettings(overrides, defaults);
  t.deepEqual(s.get('Engine', 'NumThreads'), { value: '2', from: 'overrides', element: 'Engine/NumThreads' });
  t.deepEqual(s.get('Engine', 'SortJoinMemory')?.from, 'overrides');
  t.deepEqual(s.get('Controller', 'EmbeddedMongoDBPort'), { value: '27018', from: 'defaults', element: 'Controller/EmbeddedMongoDBPort' });
  t.true(s.flag('Controller', 'ControllerEnabled'));
});

test('malformed XML is a validation failure naming the file and the line', (t) => {
  const e = t.throws(() => parseRuntimeSettings('<SystemSettings>\n<Controller>\n</SystemSettings>', 'C:\\ProgramData\\Alteryx\\RuntimeSettings.xml'), {
    instanceOf: BackupError,
  });
  t.is(e.exitCode, ExitCode.Validation);
  t.regex(e.message, /RuntimeSettings\.xml is not valid XML \(line \d+/);
});

const withController = (xml: string) => parseRuntimeSettings(`<SystemSettings>${xml}</SystemSettings>`, 'x.xml');

test('MongoDB detection: the shipped defaults file, embedded, both self-managed forms, explicit type', (t) => {
  const shipped = detectMongoType('auto', new EffectiveSettings(overrides, defaults));
  t.is(shipped.type, 'embedded');
  t.regex(shipped.decidedBy, /embedded assumed/);
  const emb = detectMongoType(
    'auto',
    new EffectiveSettings(withController('<Controller><EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled></Controller>'), defaults),
  );
  t.deepEqual(emb.type, 'embedded');
  t.regex(emb.decidedBy, /EmbeddedMongoDBEnabled = True \(overrides file\)/);
  const old = detectMongoType(
    'auto',
    new EffectiveSettings(
      withController('<Controller><MongoDBEnabled>True</MongoDBEnabled><MongoDBServerName>mongo01:27017</MongoDBServerName></Controller>'),
      defaults,
    ),
  );
  t.is(old.type, 'selfManaged');
  t.regex(old.decidedBy, /MongoDBEnabled/);
  const cs = detectMongoType(
    'auto',
    new EffectiveSettings(withController('<Persistence><Mongo><ConnectionString>mongodb://m:27017</ConnectionString></Mongo></Persistence>'), defaults),
  );
  t.is(cs.type, 'selfManaged');
  t.regex(cs.decidedBy, /Persistence\/Mongo\/ConnectionString/);
  t.is(detectMongoType('selfManaged', new EffectiveSettings(overrides, defaults)).type, 'selfManaged');
});
