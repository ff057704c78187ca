// Property-based fuzzing of every input the tool reads (issue 12): configurations, RuntimeSettings.xml files,
// MongoDB connection strings, manifests and ZIP entry tables. Each generated input goes through the core's own
// functions in-process; a smaller number goes through the real CLI. The properties, for every input:
//   - it is accepted, or refused with a BackupError carrying a documented exit code (0-6), the one of its class;
//   - the message shows no stack trace;
//   - it ends within a generous bound (no hang);
//   - nothing is written outside the target folder (archives).
// Used by test/fuzz.test.ts (a bounded number of cases in `npm test`) and scripts/fuzz.ts (`npm run fuzz`).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, lstatSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/load.ts';
import { BackupError } from '../../src/core/errors.ts';
import { parseManifest, type Manifest } from '../../src/core/manifest.ts';
import { detectMongoType } from '../../src/core/mongo-detect.ts';
import { EffectiveSettings, readRuntimeSettings } from '../../src/core/settings.ts';
import { resolveMongoTarget, type SelfManagedConfig } from '../../src/mongo/target.ts';
import { extractArchive } from '../../src/archive/extract.ts';
import { verifyArchive } from '../../src/archive/verify.ts';
import { entryNameProblem } from '../../src/util/winnames.ts';
import { bundle } from '../helpers/cli.ts';
import { craftZip, type CraftedEntry } from '../helpers/crafted-zip.ts';

export type Kind = 'config' | 'settings' | 'connection' | 'manifest' | 'zip';
export const KINDS: Kind[] = ['config', 'settings', 'connection', 'manifest', 'zip'];

/** The documented codes each class of input may end in (docs/exit-codes.md). */
export const DOCUMENTED: Record<Kind, number[]> = {
  config: [0, 3, 6],
  settings: [0, 3],
  connection: [0, 3],
  manifest: [0, 3],
  // 4: the target's free space (extraction), 3 everything about the archive.
  zip: [0, 3, 4],
};

export interface Outcome {
  code: number;
  message: string;
  ms: number;
  /** Paths written outside the target (archives only). */
  outside: string[];
  /** An exception that is not a BackupError: an undocumented failure. */
  raw?: string;
  /** The codes this input's class may end in, when narrower than the kind's (a bad mode is 6, a DTD is 3). */
  expected?: number[];
}

export interface Tally {
  runs: number;
  codes: Record<string, number>;
  undocumented: string[];
  stackTraces: string[];
  hangs: string[];
  outside: string[];
}

export const newTally = (): Tally => ({ runs: 0, codes: {}, undocumented: [], stackTraces: [], hangs: [], outside: [] });
export const STACK = /\n\s+at .+|^\s*at .+\(.+:\d+:\d+\)/m;

/** Generous: a case is a hang only when it takes this long (a loaded 2-core machine included). */
export const HANG_MS = 20_000;

export function record(t: Tally, kind: Kind, input: string, o: Outcome): string[] {
  t.runs++;
  t.codes[o.code] = (t.codes[o.code] ?? 0) + 1;
  const problems: string[] = [];
  const label = `${kind}: ${input.slice(0, 160)}`;
  if (o.raw !== undefined || !(o.expected ?? DOCUMENTED[kind]).includes(o.code))
    problems.push(`undocumented: exit ${o.code} (${o.raw ?? o.message.slice(0, 200)}) for ${label}`), t.undocumented.push(problems.at(-1)!);
  if (STACK.test(o.message)) problems.push(`stack trace in "${o.message.slice(0, 300)}" for ${label}`), t.stackTraces.push(problems.at(-1)!);
  if (o.ms > HANG_MS) problems.push(`hang: ${o.ms} ms for ${label}`), t.hangs.push(problems.at(-1)!);
  if (o.outside.length) problems.push(`wrote outside the target: ${o.outside.join(', ')} for ${label}`), t.outside.push(problems.at(-1)!);
  return problems;
}

async function outcomeOf(fn: () => Promise<unknown> | unknown, outside: () => string[] = () => []): Promise<Outcome> {
  const t0 = performance.now();
  try {
    await fn();
    return { code: 0, message: '', ms: performance.now() - t0, outside: outside() };
  } catch (err) {
    const ms = performance.now() - t0;
    if (err instanceof BackupError) return { code: err.exitCode, message: err.full, ms, outside: outside() };
    const e = err as Error;
    return { code: 1, message: String(e?.message ?? err), ms, outside: outside(), raw: `${e?.name ?? typeof err}: ${String(e?.message ?? err).slice(0, 200)}` };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encodings: how a Windows tool may have saved the text.

const encodings = fc.constantFrom('utf8', 'utf8-bom', 'utf16le-bom', 'utf16be-bom', 'utf16le', 'latin1');
function encode(text: string, enc: string): Buffer {
  switch (enc) {
    case 'utf8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    case 'utf16be-bom':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    case 'utf16le':
      return Buffer.from(text, 'utf16le');
    case 'latin1':
      return Buffer.from(text, 'latin1');
    default:
      return Buffer.from(text, 'utf8');
  }
}

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    'D:\\Temp',
    'D:\\Sauvegardes été',
    '\\\\nas\\share',
    'C:',
    '..\\..',
    'Alteryx\u0007Service',
    'CON',
    'a\u0000b',
    '\t',
    'AlteryxService',
    '%TEMP%',
    'ÿþ',
  ),
);
const numbers = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 53, 0.0001, 65536));
const leaf = fc.oneof(nasty, numbers, fc.boolean(), fc.constant(null));

// ---------------------------------------------------------------------------------------------------------------
// 1. Configurations.

const SECTIONS: Record<string, string[]> = {
  BackupConfiguration: [
    'DefaultBackupMode',
    'TempDirectory',
    'LocalBackupPath',
    'NetworkBackupPaths',
    'LogDirectory',
    'LogRetentionDays',
    'RetentionDays',
    'CompressionLevel',
    'NetworkCopy',
    'KeepStagingOnFailure',
  ],
  ServerConfiguration: ['ServiceName', 'AlteryxServicePath', 'InstallDirectory', 'ProgramDataDirectory', 'Nodes'],
  ServiceConfiguration: ['MaxServiceWaitSeconds', 'MaxWorkflowWaitSeconds', 'ForceStopWorkflows', 'PollIntervalSeconds'],
  MongoDBConfiguration: ['Type', 'SelfManagedMongoDB', 'EmbeddedMongoDB'],
  ValidationConfiguration: ['MinimumBackupSizeMB', 'VerifyArchiveIntegrity'],
  NotificationConfiguration: ['Enabled', 'SMTPServer', 'SMTPPort', 'ToAddresses'],
  RestoreConfiguration: ['DrillAfterBackup', 'DrillPort', 'DrillMethod'],
};
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('Full', 'DatabaseOnly', 'ConfigOnly', 'Name', 'Role', 'x', '_comment'), tie('v'), { maxKeys: 3 }),
  ),
})).v;
const section = (keys: string[]) => fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 8 })), value, { maxKeys: 5 });
const configObject = fc.record(Object.fromEntries(Object.entries(SECTIONS).map(([k, keys]) => [k, section(keys)])), { requiredKeys: [] });

const GOOD: Array<[string, string, unknown]> = [
  ['BackupConfiguration', 'TempDirectory', 'D:\\Temp'],
  ['BackupConfiguration', 'CompressionLevel', 6],
  ['BackupConfiguration', 'NetworkBackupPaths', ['\\\\nas\\b']],
  ['BackupConfiguration', 'RetentionDays', { Full: 30 }],
  ['ServerConfiguration', 'ServiceName', 'AlteryxService'],
  ['ServiceConfiguration', 'MaxServiceWaitSeconds', 600],
  ['MongoDBConfiguration', 'Type', 'embedded'],
  ['ValidationConfiguration', 'MinimumBackupSizeMB', { ConfigOnly: 0.01 }],
];
const validish = fc.subarray(GOOD).map((pairs) => {
  const o: Record<string, Record<string, unknown>> = {};
  for (const [sec, k, v] of pairs) (o[sec] ??= {})[k] = v;
  return JSON.stringify(o);
});

export const configInput = fc.record({
  text: fc.oneof(
    { weight: 3, arbitrary: validish },
    { weight: 6, arbitrary: configObject.map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null') },
  ),
  encoding: encodings,
  mode: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, fc.constantFrom('Full', 'configonly', 'Everything', 42)),
});

export async function checkConfig(dir: string, x: { text: string; encoding: string; mode: unknown }): Promise<Outcome> {
  const file = join(dir, 'backup-config.json');
  writeFileSync(file, encode(x.text, x.encoding));
  const o = await outcomeOf(() => loadConfig({ ConfigPath: file, ...(x.mode === undefined ? {} : { BackupMode: x.mode }) }));
  // An invalid -BackupMode is exit 6 whatever the file holds (it is checked first).
  if (x.mode === 'Everything' || x.mode === 42) o.expected = [6];
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// 2. RuntimeSettings.xml.

const tagName = fc.oneof(
  fc.constantFrom(
    'SystemSettings',
    'Controller',
    'EmbeddedMongoDBEnabled',
    'EmbeddedMongoDBRootPath',
    'MongoDBEnabled',
    'MongoDBServerName',
    'Persistence',
    'Mongo',
    'ConnectionString',
    'Gallery',
    'MongoDBWebConnection',
    'Environment',
    'WorkingPath',
  ),
  fc.stringMatching(/^[A-Za-z_][\w.-]{0,8}$/),
);
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    'True',
    'False',
    'yes',
    '&amp;',
    '&lt;',
    '&x;',
    '&#0;',
    ']]>',
    '<![CDATA[x]]>',
    'C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB',
    'mongodb://u:p@h/db',
  ),
);
const element: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.tuple(tagName, text).map(([n, v]) => `<${n}>${v}</${n}>`),
    fc.tuple(tagName, fc.array(tie('e'), { maxLength: 4 })).map(([n, kids]) => `<${n}>${kids.join('')}</${n}>`),
    tagName.map((n) => `<${n}/>`),
  ),
})).e;
const prolog = fc.constantFrom(
  '',
  '<?xml version="1.0" encoding="utf-8"?>',
  '<!DOCTYPE SystemSettings [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
  '<!DOCTYPE lolz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
  '<!DOCTYPE SystemSettings SYSTEM "http://127.0.0.1:9/x.dtd">',
  '<!-- comment -->',
);
export const settingsInput = fc.record({
  text: fc.oneof(
    { weight: 6, arbitrary: fc.tuple(prolog, fc.array(element, { maxLength: 5 })).map(([p, kids]) => `${p}<SystemSettings>${kids.join('')}</SystemSettings>`) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((n) => `<SystemSettings>${'<a>'.repeat(n)}${'</a>'.repeat(n)}</SystemSettings>`) },
    { weight: 1, arbitrary: fc.tuple(element, fc.nat()).map(([e, cut]) => `<SystemSettings>${e}`.slice(0, (cut % 200) + 1)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  ),
  encoding: encodings,
});

export async function checkSettings(dir: string, x: { text: string; encoding: string }): Promise<Outcome> {
  const file = join(dir, 'RuntimeSettings.xml');
  writeFileSync(file, encode(x.text, x.encoding));
  const o = await outcomeOf(async () => {
    const tree = await readRuntimeSettings(file, 'C:\\ProgramData\\Alteryx\\RuntimeSettings.xml');
    const s = new EffectiveSettings(tree, undefined);
    detectMongoType('auto', s);
    s.value('Controller', 'EmbeddedMongoDBRootPath');
    s.nested(['Persistence', 'Mongo', 'ConnectionString']);
  });
  // Any DTD is refused.
  if (/<!DOCTYPE/.test(x.text)) o.expected = [3];
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Connection strings.

const hostPart = fc.oneof(
  fc.constantFrom('mongo01', 'mongo01.corp:27017', '[fd00::1]:27019', 'h:0', 'h:99999', '', 'a,b', '%41', 'h:27017,h2:27018'),
  fc.string({ maxLength: 12 }),
);
export const connectionInput = fc.record({
  text: fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom('mongodb://', 'mongodb+srv://', 'MONGODB://', 'http://', ''),
          fc.option(fc.tuple(fc.string({ maxLength: 8 }), fc.option(fc.string({ maxLength: 8 })))),
          hostPart,
          fc.option(fc.string({ maxLength: 8 })),
          fc.array(fc.tuple(fc.constantFrom('replicaSet', 'tls', 'ssl', 'authSource', 'authMechanism', 'tlsCAFile', 'x', ''), fc.string({ maxLength: 8 })), {
            maxLength: 4,
          }),
        )
        .map(
          ([scheme, cred, hosts, db, opts]) =>
            `${scheme}${cred ? `${encodeURIComponent(cred[0])}${cred[1] !== null ? `:${cred[1]}` : ''}@` : ''}${hosts}${db !== null ? `/${db}` : ''}${opts.length ? `?${opts.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`,
        ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'mongodb://mongo01/AlteryxGallery',
        'mongodb://mongo01:27017,mongo02:27018/?replicaSet=rs0',
        'mongodb+srv://cluster0.example.net/AlteryxGallery',
        'mongodb://[fd00::1]:27019/?tls=true',
      ),
    },
  ),
  password: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { freq: 1 }),
});

const SM_DEFAULTS = {
  Port: 27017,
  Database: 'AlteryxGallery',
  AuthDatabase: 'admin',
  UseCompression: true,
  Oplog: false,
  ConnectTimeoutSeconds: 10,
  MongodumpPath: 'mongodump',
  DumpTimeoutMinutes: 720,
};
export async function checkConnection(_dir: string, x: { text: string; password: string | null }): Promise<Outcome> {
  return outcomeOf(() =>
    resolveMongoTarget({ ...SM_DEFAULTS, ConnectionString: x.text } as SelfManagedConfig, undefined, x.password === null ? {} : { MongoPassword: x.password }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Manifests.

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const goodManifest = (): Record<string, unknown> => ({
  format: 1,
  tool: { name: 'AlteryxBackup', version: 'fuzz' },
  createdAt: '2026-01-01T02:00:00.000+00:00',
  mode: 'ConfigOnly',
  scopes: ['Config', 'Secrets'],
  hostName: 'H',
  serverVersion: null,
  nodes: [{ name: 'H', role: 'controller' }],
  mongo: { type: 'embedded', decidedBy: 'x', dumped: false, gzip: false, databases: {} },
  secretsIncluded: false,
  encrypted: false,
  encryptionKeyGuidance: '',
  files: [{ path: 'Config/RuntimeSettings.xml', size: 17, sha256: sha('<SystemSettings/>'), kind: 'settings' }],
  configuration: {},
  status: { completedSteps: [], warnings: [] },
  durationsMs: {},
});
const MANIFEST_KEYS = ['format', 'mode', 'nodes', 'mongo', 'files', 'createdAt', 'hostName', 'serverVersion', 'secretsIncluded', 'encrypted'];
export const manifestInput = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.dictionary(fc.constantFrom(...MANIFEST_KEYS), value, { maxKeys: 3 }).map((over) => JSON.stringify({ ...goodManifest(), ...over })),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.record({ path: nasty, size: numbers, sha256: fc.oneof(fc.constant(sha('x')), nasty), kind: nasty }, { requiredKeys: [] }), { maxLength: 4 })
      .map((files) => JSON.stringify({ ...goodManifest(), files })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v) ?? 'null') },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
);

export async function checkManifest(_dir: string, text: string): Promise<Outcome> {
  return outcomeOf(() => parseManifest(text));
}

// ---------------------------------------------------------------------------------------------------------------
// 5. ZIP entry tables: verify, then extraction into a target folder; nothing may appear outside it.

const nameParts = fc.constantFrom(
  'Config',
  'config',
  'Keys',
  'RuntimeSettings.xml',
  'runtimesettings.XML',
  '..',
  '.',
  '',
  'C:',
  'c:x',
  'NUL',
  'con.txt',
  'COM1',
  'a:b',
  'x.',
  'x ',
  'Secrets',
  'ControllerToken.txt',
  'nodes',
  'é',
  'a*b',
  '\u0001',
  'manifest.json',
);
const entryName = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.array(nameParts, { minLength: 1, maxLength: 4 }), fc.constantFrom('/', '\\')).map(([p, sep]) => p.join(sep)) },
  { weight: 1, arbitrary: fc.constantFrom('/etc/passwd', '\\\\host\\share\\x', 'C:\\Windows\\x', 'Config/C:/Windows/x', 'Config/../../x', 'Config/') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
);
const entry: fc.Arbitrary<CraftedEntry> = fc
  .record({
    name: entryName,
    data: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    method: fc.constantFrom(0 as const, 8 as const),
    lie: fc.option(fc.oneof(fc.nat({ max: 100 }), fc.constant(5 * 1024 ** 3), fc.constant(2 * 1024 * 1024))),
    zeros: fc.boolean(),
    unixMode: fc.option(fc.constantFrom(0o100644, 0o120777, 0o040755, 0o010644, 0o140755)),
    dosAttributes: fc.constantFrom(0, 0, 0x10, 0x400),
  })
  .map((e) => {
    const out: CraftedEntry = { name: e.name, data: e.data, method: e.method };
    if (e.zeros && e.method === 8) out.raw = Buffer.from(zerosDeflated(e.data.length * 1000));
    if (e.lie !== null) out.declaredSize = e.lie;
    if (e.unixMode !== null) out.unixMode = e.unixMode;
    if (e.dosAttributes) out.dosAttributes = e.dosAttributes;
    return out;
  });
function zerosDeflated(n: number): Buffer {
  return deflateRawSync(Buffer.alloc(Math.min(n, 4 * 1024 * 1024)));
}

const required: CraftedEntry[] = [
  { name: 'Config/RuntimeSettings.xml', data: Buffer.from('<SystemSettings/>') },
  { name: 'Secrets/ControllerToken.txt', data: Buffer.from('ab'.repeat(32)) },
];
export const zipInput = fc.record({
  entries: fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.boolean(), fc.array(entry, { maxLength: 12 })).map(([base, more]) => (base ? [...required, ...more] : more)) },
    // Well-formed backups with a few more files: the accepted side of the property.
    {
      weight: 2,
      arbitrary: fc
        .uniqueArray(fc.stringMatching(/^[a-z0-9_]{1,10}$/), { maxLength: 5 })
        .map((names) => [...required, ...names.map((n) => ({ name: `Config/Keys/${n}.key`, data: Buffer.from(n) }))]),
    },
  ),
  /** A manifest that lists the entries honestly (so that verify gets past it), a hostile one, or none. */
  manifest: fc.constantFrom('honest', 'none', 'hostile'),
  flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }))),
});

function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      out.push(p);
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

export async function checkZip(dir: string, x: { entries: CraftedEntry[]; manifest: string; flip: [number, number] | null }): Promise<Outcome> {
  const caseDir = mkdtempSync(join(dir, 'zip-'));
  const entries = [...x.entries];
  const files = entries
    .filter((e) => !e.name.endsWith('/'))
    .map((e) => ({ path: e.name.replace(/\\/g, '/'), size: e.data?.length ?? 0, sha256: sha(e.data ?? Buffer.alloc(0)), kind: 'config-file' }));
  if (x.manifest !== 'none') {
    const m = { ...goodManifest(), files: x.manifest === 'honest' ? files : files.map((f) => ({ ...f, size: f.size + 1 })) };
    entries.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(m)) });
  }
  let bytes = craftZip(entries);
  if (x.flip) {
    bytes = Buffer.from(bytes);
    const at = x.flip[0] % bytes.length;
    bytes[at] = bytes[at]! ^ x.flip[1];
  }
  const zip = join(caseDir, 'ServerBackup_Config_20260101_020000.zip');
  writeFileSync(zip, bytes);
  const target = join(caseDir, 'target');
  mkdirSync(target);
  const before = new Set(tree(dir));
  const outside = () => tree(dir).filter((p) => !before.has(p) && p !== target && !p.startsWith(target + '/'));
  const o = await outcomeOf(async () => {
    const v = await verifyArchive(zip);
    if (!v.ok || !v.manifest)
      throw new BackupError(
        3,
        `verify: ${v.checks
          .filter((c) => !c.ok)
          .map((c) => c.name)
          .join(', ')}`,
      );
    await extractArchive(zip, target, v.manifest.files, () => true);
  }, outside);
  // An archive with an unsafe name is refused, whatever else it holds.
  if (x.entries.some((e) => entryNameProblem(e.name) !== undefined)) o.expected = [3];
  // What was extracted stays inside the target, as regular files and folders.
  for (const p of tree(target)) {
    const st = lstatSync(p);
    if (relative(target, p).startsWith('..') || (!st.isFile() && !st.isDirectory())) o.outside.push(p);
  }
  rmSync(caseDir, { recursive: true, force: true });
  return o;
}

// ---------------------------------------------------------------------------------------------------------------

export const ARBS = { config: configInput, settings: settingsInput, connection: connectionInput, manifest: manifestInput, zip: zipInput } as const;
// biome-ignore lint/suspicious/noExplicitAny: each kind's check takes its own input type; ARBS pairs them
export const CHECKS: Record<Kind, (dir: string, x: any) => Promise<Outcome>> = {
  config: checkConfig,
  settings: checkSettings,
  connection: checkConnection,
  manifest: checkManifest,
  zip: checkZip,
};

/** Runs `n` generated inputs of one kind in-process; returns the tally (never throws on a violation). */
export async function fuzzKind(kind: Kind, n: number, seed: number, tally: Tally = newTally()): Promise<Tally> {
  const dir = mkdtempSync(join(tmpdir(), `ab-fuzz-${kind}-`));
  try {
    for (const x of fc.sample(ARBS[kind] as fc.Arbitrary<unknown>, { numRuns: n, seed })) {
      record(tally, kind, JSON.stringify(x) ?? String(x), await CHECKS[kind](dir, x));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return tally;
}

/** The real CLI on a generated config (backup --dry-run) or archive (verify): exit code and output. */
export function cliCase(kind: 'config' | 'zip', dir: string, x: unknown): Promise<Outcome> {
  const t0 = performance.now();
  let args: string[];
  if (kind === 'config') {
    const c = x as { text: string; encoding: string };
    const file = join(dir, `cfg-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, encode(c.text, c.encoding));
    args = ['backup', '--config', file, '--dry-run', '--json'];
  } else {
    const z = x as { entries: CraftedEntry[] };
    const file = join(dir, `z-${Math.random().toString(36).slice(2)}.zip`);
    writeFileSync(file, craftZip(z.entries));
    args = ['verify', file, '--json'];
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS * 3);
    child.on('close', (code) => {
      clearTimeout(timer);
      // What the user sees: the JSON events' messages (with their real line breaks) and any other output.
      const shown = out
        .split('\n')
        .map((l) => {
          if (!l.startsWith('{')) return l;
          try {
            return String((JSON.parse(l) as { message?: unknown }).message ?? '');
          } catch {
            return l;
          }
        })
        .join('\n');
      resolve({ code: code ?? -1, message: shown, ms: performance.now() - t0, outside: [] });
    });
  });
}

export type { Manifest };
