// The plan is the program: for every mode and topology (single / multi-node, embedded / self-managed
// MongoDB) the plan a dry run emits (the `plan` event the cmdlet turns into ShouldProcess calls) is exactly
// the list of steps the runner then executes, recorded by wrapping the real step tables; a plan with a step
// taken out runs without it. Real sandboxes, real archives.
import test, { type ExecutionContext } from 'ava';
import { runBackup, type BackupResult } from '../src/backup/backup.ts';
import { BACKUP_STEPS } from '../src/backup/steps.ts';
import type { PlannedStep, StepTable } from '../src/core/runner.ts';
import { choosePlatform } from '../src/platform/choose.ts';
import { runDrill } from '../src/restore/drill.ts';
import { DRILL_STEPS } from '../src/restore/drill-steps.ts';
import { runRestore, type RestoreResult } from '../src/restore/restore.ts';
import { RESTORE_STEPS } from '../src/restore/steps.ts';
import { getServiceState, openSandbox, readEvents, readSandboxFile } from '../src/sandbox/index.ts';
import { quickSandbox } from './helpers/sandbox.ts';
import { S3RVER_KEY, startS3rver } from './helpers/cloud.ts';

type Mode = 'Full' | 'DatabaseOnly' | 'ConfigOnly';
type Mongo = 'embedded' | 'self-managed';
type Topology = 'single' | 'multi';

/** The step table with every run (and preview) recorded by step id, in call order. */
function recording<C, S extends PlannedStep>(table: StepTable<C, S>, seen: string[]): StepTable<C, S> {
  const out: StepTable<C, S> = {};
  for (const [name, impl] of Object.entries(table)) {
    out[name] = {
      run: (s, c, r) => (seen.push(s.id), impl.run(s, c, r)),
      ...(impl.preview ? { preview: (s: S, c: C, r: Parameters<typeof impl.run>[2]) => (seen.push(`preview:${s.id}`), impl.preview!(s, c, r)) } : {}),
    };
  }
  return out;
}

const FAST = { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } };

async function server(t: ExecutionContext, topology: Topology, mongo: Mongo) {
  const s = await quickSandbox(t, { topology, mongo, modifiedConfig: true }, FAST);
  const secrets: Record<string, string> = mongo === 'self-managed' ? { MongoPassword: readSandboxFile(s.dir).selfManaged!.password } : {};
  return { ...s, secrets };
}

async function backup(
  s: { dir: string; config: string; secrets: Record<string, string> },
  mode: Mode,
  dryRun: boolean,
  edit?: (steps: PlannedStep[]) => PlannedStep[],
) {
  const plans: PlannedStep[][] = [];
  const seen: string[] = [];
  const r: BackupResult = await runBackup(
    { params: { BackupMode: mode, SandboxPath: s.dir, ConfigPath: s.config }, secrets: s.secrets, dryRun },
    {
      platform: choosePlatform,
      sink: () => {},
      progress: () => {},
      plan: (steps) => plans.push([...steps]),
      steps: recording(BACKUP_STEPS, seen),
      ...(edit ? { editPlan: (p) => ({ ...p, steps: edit(p.steps) as typeof p.steps }) } : {}),
    },
  );
  return { r, plan: plans, seen };
}

const ids = (steps: PlannedStep[]) => steps.map((s) => s.id);

for (const topology of ['single', 'multi'] as const) {
  for (const mongo of ['embedded', 'self-managed'] as const) {
    for (const mode of ['Full', 'DatabaseOnly', 'ConfigOnly'] as const) {
      test(`backup ${mode}, ${topology} node, ${mongo}: the dry run's plan is what runs, step by step`, async (t) => {
        const s = await server(t, topology, mongo);
        const dry = await backup(s, mode, true);
        t.is(dry.r.exitCode, 0, dry.r.message);
        t.is(dry.plan.length, 1);
        const planned = dry.plan[0]!;
        // A dry run changes nothing: only the read-only previews ran.
        t.true(
          dry.seen.every((x) => x.startsWith('preview:')),
          dry.seen.join(', '),
        );
        const real = await backup(s, mode, false);
        t.is(real.r.exitCode, 0, real.r.message);
        t.deepEqual(ids(real.plan[0]!), ids(planned));
        t.deepEqual(real.seen, ids(planned));
        t.deepEqual(real.r.summary['executedSteps'], ids(planned));
        // The contract of the plan event: every step names what it changes and a ShouldProcess verb.
        for (const st of planned) {
          t.true(typeof st.description === 'string' && st.description.length > 0, st.id);
          t.true(typeof st.target === 'string' && st.target.length > 0, st.id);
          t.true(typeof st.action === 'string' && st.action.length > 0, st.id);
          t.is(typeof st.changesState, 'boolean');
        }
        const nodes = openSandbox(s.dir).nodes.length;
        const stops = planned.filter((x) => x.name === 'stop-service').length;
        t.is(stops, mode === 'ConfigOnly' || mongo === 'self-managed' ? 0 : nodes);
        t.is(planned.filter((x) => x.name === 'files').length, mode === 'DatabaseOnly' ? 0 : nodes);
      });
    }
  }
}

// Issue 13: the node's role and its persistence are decided before the plan is built, so the dry run shows
// exactly what a worker (no dump, no secrets, no service stop) or a SQL Server controller (no dump) runs.
for (const kind of [
  {
    name: 'a single worker node',
    opts: { role: 'worker' as const },
    gone: ['workflows', 'stop-service', 'dump', 'secrets', 'start-service'],
    kept: ['files', 'metadata', 'archive'],
  },
  {
    name: 'a SQL Server controller',
    opts: { persistence: 'sqlserver' as const },
    gone: ['workflows', 'stop-service', 'dump', 'start-service'],
    kept: ['files', 'secrets', 'metadata', 'archive'],
  },
]) {
  test(`backup Full on ${kind.name}: the dry run's plan leaves out what this node cannot back up, and is what runs`, async (t) => {
    // Without a database the archive is a few kB: below the Full minimum meant for a dump.
    const small = { ...FAST, ValidationConfiguration: { MinimumBackupSizeMB: { Full: 0.001 } } };
    const s = { ...(await quickSandbox(t, { topology: 'single', modifiedConfig: true, ...kind.opts }, small)), secrets: {} };
    const dry = await backup(s, 'Full', true);
    t.is(dry.r.exitCode, 0, dry.r.message);
    const planned = dry.plan[0]!;
    for (const n of kind.gone)
      t.false(
        planned.some((x) => x.name === n),
        `${n} planned: ${ids(planned).join(', ')}`,
      );
    for (const n of kind.kept)
      t.true(
        planned.some((x) => x.name === n),
        `${n} not planned: ${ids(planned).join(', ')}`,
      );
    const before = readEvents(s.dir).length;
    const real = await backup(s, 'Full', false);
    t.is(real.r.exitCode, 0, real.r.message);
    t.deepEqual(ids(real.plan[0]!), ids(planned));
    t.deepEqual(real.seen, ids(planned));
    const events = readEvents(s.dir).slice(before);
    t.false(
      events.some((e) => e['kind'] === 'service' && e['to'] === 'StopPending'),
      'no service was stopped',
    );
    t.false(
      events.some((e) => e['kind'] === 'cli' && /emongodump/.test(String(e['command']))),
      'no dump ran',
    );
  });
}
test("backup with a cloud destination (a real s3rver): cloud-upload after the copies and cloud-retention after retention are plan steps, and the dry run's plan is what runs", async (t) => {
  const s3 = await startS3rver(t, ['plan-bucket']);
  const dest = { Name: 'offsite', Url: 's3://plan-bucket/prod', Endpoint: s3.endpoint, ForcePathStyle: true, MaxAttempts: 2 };
  const q = await quickSandbox(t, {}, { BackupConfiguration: { CloudDestinations: [dest] } });
  const s = { ...q, secrets: { S3AccessKeyId: S3RVER_KEY.id, S3SecretAccessKey: S3RVER_KEY.secret } };
  const dry = await backup(s, 'ConfigOnly', true);
  t.is(dry.r.exitCode, 0, dry.r.message);
  const planned = dry.plan[0]!;
  const names = planned.map((x) => x.id);
  t.true(names.indexOf('cloud-upload:offsite') > names.indexOf('publish'), names.join(', '));
  t.is(names.indexOf('cloud-retention:offsite'), names.indexOf('retention') + 1, names.join(', '));
  for (const id of ['cloud-upload:offsite', 'cloud-retention:offsite']) {
    const st = planned.find((x) => x.id === id)!;
    t.true(st.changesState, id);
    t.is(st.target, 's3://plan-bucket/prod');
  }
  t.true(
    dry.seen.every((x) => x.startsWith('preview:')),
    dry.seen.join(', '),
  );
  const real = await backup(s, 'ConfigOnly', false);
  t.is(real.r.exitCode, 0, real.r.message);
  t.deepEqual(real.seen, ids(planned));
  const cloud = real.r.destinations.find((d) => d.kind === 's3');
  t.is(cloud?.status, 'ok');
  t.is(cloud?.name, 'offsite');
  t.regex(cloud?.url ?? '', /^s3:\/\/plan-bucket\/prod\/ServerBackup_Config_\d{8}_\d{6}\.zip$/);
});

test('a plan with a step taken out runs without it: no secrets step, no getserversecret, and verify refuses the archive', async (t) => {
  const s = await server(t, 'single', 'embedded');
  const before = readEvents(s.dir).length;
  const r = await backup(s, 'Full', false, (steps) => steps.filter((x) => x.name !== 'secrets'));
  t.false(r.seen.includes('secrets'));
  t.false(r.plan[0]!.some((x) => x.name === 'secrets'));
  const cli = readEvents(s.dir)
    .slice(before)
    .filter((e) => e['kind'] === 'cli')
    .map((e) => String(e['command']));
  t.true(
    cli.some((c) => /emongodump/.test(c)),
    cli.join(', '),
  );
  t.false(
    cli.some((c) => /getserversecret/.test(c)),
    cli.join(', '),
  );
  // What ran is what the plan said; the verification of a Full archive then misses the token: exit 3, not published.
  t.deepEqual(r.seen, ids(r.plan[0]!).slice(0, r.seen.length));
  t.is(r.r.exitCode, 3);
  t.regex(r.r.message, /missing for mode Full: .*ControllerToken/);
  t.is(r.r.archivePath, null);
});

test("a plan without one node's stop and start leaves that node's service alone", async (t) => {
  const s = await server(t, 'multi', 'embedded');
  const worker = openSandbox(s.dir).nodes.find((n) => n.role === 'worker')!.name;
  const before = readEvents(s.dir).length;
  const r = await backup(s, 'DatabaseOnly', false, (steps) => steps.filter((x) => x.id !== `stop-service:${worker}` && x.id !== `start-service:${worker}`));
  t.is(r.r.exitCode, 0, r.r.message);
  const touched = readEvents(s.dir)
    .slice(before)
    .filter((e) => e['kind'] === 'service' && e['to'] === 'StopPending')
    .map((e) => String(e['node']));
  t.false(touched.includes(worker));
  t.true(touched.length >= 2, touched.join(', '));
  t.is(getServiceState(s.dir, worker), 'Running');
});

async function restore(archive: string, b: { dir: string; config: string; secrets: Record<string, string> }, mode: Mode, dryRun: boolean) {
  const plans: PlannedStep[][] = [];
  const seen: string[] = [];
  const r: RestoreResult = await runRestore(
    { params: { Path: archive, SandboxPath: b.dir, ConfigPath: b.config, RestoreMode: mode }, secrets: b.secrets, dryRun },
    { platform: choosePlatform, sink: () => {}, progress: () => {}, plan: (steps) => plans.push([...steps]), steps: recording(RESTORE_STEPS, seen) },
  );
  return { r, plan: plans, seen };
}

for (const topology of ['single', 'multi'] as const) {
  for (const mongo of ['embedded', 'self-managed'] as const) {
    test(`restore ${topology} node, ${mongo}: each restore mode's dry-run plan is what runs`, async (t) => {
      const a = await server(t, topology, mongo);
      const made = await backup(a, 'Full', false);
      t.is(made.r.exitCode, 0, made.r.message);
      const b = await server(t, topology, mongo);
      for (const mode of ['ConfigOnly', 'DatabaseOnly', 'Full'] as const) {
        const dry = await restore(made.r.archivePath!, b, mode, true);
        t.is(dry.r.exitCode, 0, `${mode} dry: ${dry.r.message}`);
        t.true(
          dry.seen.every((x) => x.startsWith('preview:')),
          dry.seen.join(', '),
        );
        const planned = dry.plan[0]!;
        const real = await restore(made.r.archivePath!, b, mode, false);
        t.is(real.r.exitCode, 0, `${mode}: ${real.r.message}`);
        t.deepEqual(ids(real.plan[0]!), ids(planned), mode);
        t.deepEqual(real.seen, ids(planned), mode);
        const files = planned.find((x) => x.name === 'files') as (PlannedStep & { placements: Array<{ path: string }> }) | undefined;
        if (mode === 'DatabaseOnly') t.is(files, undefined);
        else t.is(files!.placements.length, real.r.restoredFiles.length, mode);
      }
    });
  }
}

test('drill: the dry run plans the steps a drill runs', async (t) => {
  const a = await server(t, 'single', 'embedded');
  const made = await backup(a, 'Full', false);
  const run = async (dryRun: boolean) => {
    const plans: PlannedStep[][] = [];
    const seen: string[] = [];
    const r = await runDrill(
      { params: { Path: made.r.archivePath, SandboxPath: a.dir, ConfigPath: a.config }, secrets: {}, dryRun },
      { platform: choosePlatform, sink: () => {}, progress: () => {}, plan: (steps) => plans.push([...steps]), steps: recording(DRILL_STEPS, seen) },
    );
    return { r, plans, seen };
  };
  const dry = await run(true);
  t.is(dry.r.exitCode, 0, dry.r.message);
  const real = await run(false);
  t.is(real.r.exitCode, 0, real.r.message);
  t.deepEqual(ids(real.plans[0]!), ids(dry.plans[0]!));
  t.deepEqual(real.seen, ids(dry.plans[0]!));
});
