import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { BACKUP_PARAMETERS, PARAMS } from '../src/config/params.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { readEvents } from '../src/sandbox/index.ts';
import { currentBlock, FILES, parametersOf, renderBlock } from '../scripts/gen-params.ts';
import { runCli } from './helpers/cli.ts';
import { quickSandbox } from './helpers/sandbox.ts';

const defaults = ConfigSchema.parse({}) as unknown as Record<string, unknown>;
const at = (path: string[]) => path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], defaults);

test('every default in the parameter table is the configuration default', (t) => {
  let checked = 0;
  for (const p of BACKUP_PARAMETERS) {
    if (!p.config) continue;
    const path = typeof p.config.path === 'function' ? undefined : p.config.path;
    if (!path) continue;
    const configDefault = at(path);
    if (p.default === undefined) {
      // No PowerShell default: the configuration has none either (or an empty list), or it is per mode.
      t.true(configDefault === undefined || (Array.isArray(configDefault) && configDefault.length === 0) || p.psType === 'switch', p.name);
    } else {
      t.is(p.default, configDefault as string | number, p.name);
      checked += 1;
    }
  }
  t.true(checked >= 9, `only ${checked} defaults were compared`);
});

test('a switch of the table defaults to false in the configuration, so an unbound switch means the configuration', (t) => {
  for (const p of BACKUP_PARAMETERS.filter((x) => x.psType === 'switch' && x.config)) {
    const path = p.config?.path;
    t.is(typeof path === 'function' ? undefined : at(path ?? []), false, p.name);
  }
});

test('RetentionDays names the per-mode defaults of the configuration', (t) => {
  const spec = BACKUP_PARAMETERS.find((p) => p.name === 'RetentionDays');
  const byMode = at(['BackupConfiguration', 'RetentionDays']) as Record<string, number>;
  for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly']) {
    t.true(spec?.defaultHelp?.includes(`${byMode[mode]} (${mode})`), mode);
    t.true(spec?.description.includes(`${byMode[mode]} for ${mode}`), mode);
  }
});

test('every table parameter with a configuration key overrides that key, under its name and its aliases', (t) => {
  const sample = (kind: string) => (kind === 'int' || kind === 'number' ? 42 : kind === 'boolean' ? true : kind === 'string[]' ? ['\\\\nas\\a'] : 'x');
  for (const p of PARAMS) {
    if (p.name === 'MongoDBType' || p.name === 'RetentionDays' || p.name === 'CompressionLevel' || p.name === 'MongoPort') continue;
    for (const key of [p.name, ...p.aliases]) {
      const value = sample(p.kind);
      const loaded = loadConfig({ [key]: value }, { candidates: [] });
      const path = typeof p.path === 'function' ? p.path(loaded.mode) : p.path;
      t.deepEqual(
        path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], loaded.config),
        value,
        `${key} -> ${path.join('.')}`,
      );
    }
  }
  const one = loadConfig({ RetentionDays: 3, CompressionLevel: 9, MongoPort: 27018, MongoDBType: 'embedded', MaxServiceWait: 60 }, { candidates: [] });
  t.is(one.config.BackupConfiguration.RetentionDays.Full, 3);
  t.is(one.config.BackupConfiguration.CompressionLevel, 9);
  t.is(one.config.MongoDBConfiguration.SelfManagedMongoDB.Port, 27018);
  t.is(one.config.MongoDBConfiguration.Type, 'embedded');
  t.is(one.config.ServiceConfiguration.MaxServiceWaitSeconds, 60);
});

test('the new name wins over its alias', (t) => {
  const loaded = loadConfig({ MaxServiceWaitSeconds: 10, MaxServiceWait: 20 }, { candidates: [] });
  t.is(loaded.config.ServiceConfiguration.MaxServiceWaitSeconds, 10);
});

test('the param blocks of the cmdlet and of the script form are the ones the table generates', (t) => {
  for (const form of ['cmdlet', 'script'] as const) {
    const block = currentBlock(readFileSync(FILES[form], 'utf8'));
    t.truthy(block, `${FILES[form]} has its generated block`);
    t.is(block, renderBlock(form), `${form}: run npm run gen:params`);
  }
});

test('the generated block declares exactly the table parameters of each form', (t) => {
  for (const form of ['cmdlet', 'script'] as const) {
    const names = renderBlock(form)
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .flatMap((l) => /\$(\w+)(?:\s*=.*?)?,?$/.exec(l)?.[1] ?? []);
    t.deepEqual(
      names,
      parametersOf(form).map((p) => p.name),
      form,
    );
  }
  t.false(parametersOf('script').some((p) => p.name === 'PassThru'));
  t.true(parametersOf('script').some((p) => p.name === 'Help'));
});

test('the CLI refuses an invalid mode before anything runs: exit 6, no log, no sandbox event', async (t) => {
  const { dir, config } = await quickSandbox(t);
  const before = readEvents(dir).length;
  const logs = () =>
    readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => /BackupLog_/.test(f));
  for (const args of [
    ['backup', '--mode', 'Bogus', '--sandbox', dir, '--config', config, '--json'],
    ['backup', '--request-stdin', '--json'],
  ]) {
    const input = args.includes('--request-stdin')
      ? JSON.stringify({ command: 'backup', params: { BackupMode: 'everything', SandboxPath: dir, ConfigPath: config }, secrets: {}, dryRun: false })
      : undefined;
    const r = await runCli(args, input === undefined ? {} : { input });
    t.is(r.code, 6, r.stderr);
    t.regex(String(r.result?.['message']), /Full, DatabaseOnly, ConfigOnly/);
  }
  t.deepEqual(logs(), []);
  t.is(readEvents(dir).length, before);
  t.false(readdirSync(join(dir)).includes('AlteryxBackup.lock'));
});
