// Pre-flight proves the dump can work before anything stops (issue 12): a wrong embedded data path or setting,
// or a missing install folder, is exit 3 naming the element or key, and the service is never stopped.
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { openSandbox, mapWindowsPath, readEvents, WIN } from '../src/sandbox/index.ts';
import { setSetting } from '../src/sandbox/settings-xml.ts';
import { runCli } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';

let a: Awaited<ReturnType<typeof quickSandbox>>;
let overrides: string;
let original: string;
const teardowns: Array<() => void> = [];
test.before(async () => {
  a = await quickSandbox({ teardown: (f: () => void) => teardowns.push(f) } as never);
  const ctrl = openSandbox(a.dir).nodes.find((n) => n.role === 'controller')!;
  overrides = mapWindowsPath(a.dir, ctrl.root, WIN.overridesXml);
  original = readFileSync(overrides, 'utf8');
  mkdirSync(mapWindowsPath(a.dir, ctrl.root, 'C:\\ProgramData\\Alteryx\\EmptyMongo'), { recursive: true });
});
test.after.always(() => {
  for (const f of teardowns) f();
});

const stops = () => readEvents(a.dir).filter((e) => e['kind'] === 'service' && /Stop/.test(String(e['to']))).length;

const cases: Array<[string, string, string, RegExp]> = [
  [
    'an empty EmbeddedMongoDBRootPath',
    'EmbeddedMongoDBRootPath',
    '',
    /Controller\/EmbeddedMongoDBRootPath is empty or missing in the overrides RuntimeSettings\.xml/,
  ],
  [
    'an EmbeddedMongoDBRootPath that does not exist',
    'EmbeddedMongoDBRootPath',
    'C:\\ProgramData\\Alteryx\\Nowhere',
    /data folder C:\\ProgramData\\Alteryx\\Nowhere .* does not exist/,
  ],
  ['an empty data folder', 'EmbeddedMongoDBRootPath', 'C:\\ProgramData\\Alteryx\\EmptyMongo', /data folder C:\\ProgramData\\Alteryx\\EmptyMongo .* is empty/],
  ['a folder without MongoDB files', 'EmbeddedMongoDBRootPath', 'C:\\ProgramData\\Alteryx\\Engine', /holds no MongoDB data files .*AlteryxGallery/],
  ['a relative EmbeddedMongoDBRootPath', 'EmbeddedMongoDBRootPath', 'Persistence\\MongoDB', /is not an absolute path/],
  [
    'EmbeddedMongoDBEnabled that is neither True nor False',
    'EmbeddedMongoDBEnabled',
    'Yes',
    /Controller\/EmbeddedMongoDBEnabled = "Yes" .* is neither True nor False/,
  ],
  [
    'EmbeddedMongoDBEnabled False without a self-managed MongoDB',
    'EmbeddedMongoDBEnabled',
    'False',
    /Controller\/EmbeddedMongoDBEnabled is False in the overrides RuntimeSettings\.xml, but no self-managed MongoDB is configured \(.+\): there is no database to dump/,
  ],
];
for (const [title, element, value, re] of cases) {
  test.serial(`${title}: exit 3 naming it, the service never stops`, async (t) => {
    writeFileSync(overrides, setSetting(original, 'Controller', element, value));
    t.teardown(() => writeFileSync(overrides, original));
    const before = stops();
    const r = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', a.dir, '--config', a.config, '--json']);
    t.is(r.code, 3, r.stdout.slice(-2000));
    t.regex(String(r.result?.['message']), re);
    t.regex(String(r.result?.['message']), /the service was not stopped/);
    t.is(stops(), before, 'events.jsonl shows no stop');
  });
}

test.serial('an InstallDirectory that does not exist: exit 3 naming the key, the service never stops', async (t) => {
  const cfg = JSON.parse(readFileSync(a.config, 'utf8')) as Record<string, unknown>;
  const file = `${a.config}.install.json`;
  writeFileSync(file, JSON.stringify({ ...cfg, ServerConfiguration: { InstallDirectory: 'C:\\Program Files\\Nowhere' } }));
  const before = stops();
  const r = await runCli(['backup', '--mode', 'Full', '--sandbox', a.dir, '--config', file, '--json']);
  t.is(r.code, 3, r.stdout.slice(-2000));
  t.regex(String(r.result?.['message']), /ServerConfiguration\.InstallDirectory = "C:\\\\Program Files\\\\Nowhere" does not exist on /);
  t.is(stops(), before);
});

test.serial('the real data folder passes, and the backup then stops and starts the service', async (t) => {
  const before = stops();
  const r = await runCli(['backup', '--mode', 'DatabaseOnly', '--sandbox', a.dir, '--config', a.config, '--json']);
  t.is(r.code, 0, r.stdout.slice(-2000));
  t.true(stops() > before);
  t.true(r.events.some((e) => /Embedded MongoDB data folder: .*one folder per database/.test(String(e['message']))));
});
