import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { joinConfigured, type DumpInfo, type RunContext, type StagedFile } from '../core/context.ts';
import { listFiles, treeSize } from '../util/fsx.ts';
import { EXPECTED_DATABASES, dumpCounts } from '../mongo/dump-counts.ts';
import { gzipDumpCounts } from '../mongo/dump.ts';
import { formatBytes, formatDuration } from '../util/format.ts';

/**
 * REQ-2.1.1/2.1.2: `AlteryxService.exe emongodump=<staging>\MongoDB`. Success only when the exit code is 0,
 * the output has no `EMongoDump failed`, and each expected database folder holds .bson files; else exit 5.
 */
export async function dumpEmbedded(ctx: RunContext): Promise<DumpOutput> {
  const target = joinConfigured(ctx.staging.configured, 'MongoDB');
  const local = join(ctx.staging.local, 'MongoDB');
  const exe = ctx.config.ServerConfiguration.AlteryxServicePath;
  ctx.log.info(`Dumping the embedded MongoDB: AlteryxService.exe emongodump=${target}`);
  ctx.progress({ activity: 'Dumping MongoDB', status: 'emongodump', percent: -1 });
  const t0 = ctx.clock.now();
  const res = await ctx.platform.alteryx.run(ctx.controller, exe, `emongodump=${target}`, { signal: ctx.signal });
  const durationMs = ctx.clock.now() - t0;
  const output = `${res.stdout}\n${res.stderr}`;
  for (const line of output.split(/\r?\n/).filter((l) => l.trim())) ctx.log.debug(`emongodump: ${line}`);
  const failedText = /EMongoDump failed/i.test(output);
  if (res.exitCode !== 0 || failedText) {
    const why = res.signal ? `was ended by ${res.signal}` : `exit code ${res.exitCode}${failedText ? ', output says "EMongoDump failed"' : ''}`;
    const detail = output
      .split(/\r?\n/)
      .find((l) => /fail|error/i.test(l))
      ?.trim();
    throw new BackupError(
      ExitCode.MongoDB,
      `The MongoDB dump failed (${why})${detail ? `: ${detail}` : ''}.`,
      'Check that the service is stopped and the temp drive has room; the Alteryx service log and mongoDump.log (if written) tell more.',
    );
  }
  const missing: string[] = [];
  for (const db of EXPECTED_DATABASES) {
    const files = await fsp.readdir(join(local, db)).catch(() => [] as string[]);
    if (!files.some((f) => f.endsWith('.bson'))) missing.push(db);
  }
  if (missing.length) {
    throw new BackupError(
      ExitCode.MongoDB,
      `The MongoDB dump is incomplete: no .bson files for ${missing.join(', ')} in ${target}, although emongodump reported success.`,
      'Check EmbeddedMongoDBRootPath in RuntimeSettings.xml and the Alteryx service log.',
    );
  }
  const sizeBytes = await treeSize(local);
  // The documents are counted by the count-documents step, after the service is back (issue 15).
  const dump: DumpInfo = { type: 'embedded', dir: local, databases: {}, sizeBytes, durationMs, gzip: false };
  ctx.log.info(`MongoDB dump: ${formatBytes(sizeBytes)}, ${formatDuration(durationMs)}`);
  return { dump, files: await dumpFiles(local) };
}

/**
 * Issue 15: the per-collection document counts of this run's dump (one 4-byte read per BSON document, or an
 * inflate of each .bson.gz), for the manifest. Planned after start-service: the dump files no longer change.
 */
export async function countDocuments(ctx: RunContext, dump: DumpInfo): Promise<DumpInfo['databases']> {
  const t0 = ctx.clock.now();
  ctx.progress({ activity: 'Counting documents', status: dump.dir, percent: -1 });
  const databases = dump.gzip ? await gzipDumpCounts(dump.dir) : await dumpCounts(dump.dir);
  const docs = Object.values(databases).reduce((n, colls) => n + Object.values(colls).reduce((a, b) => a + b, 0), 0);
  ctx.log.info(`MongoDB dump: ${docs} documents in ${Object.keys(databases).length} databases (counted in ${formatDuration(ctx.clock.now() - t0)})`);
  for (const [db, colls] of Object.entries(databases)) {
    ctx.log.debug(
      `  ${db}: ${Object.entries(colls)
        .map(([c, n]) => `${c}=${n}`)
        .join(', ')}`,
    );
  }
  return databases;
}

/** What a dump step gives the archive: the dump's description and its files. */
export interface DumpOutput {
  dump: DumpInfo;
  files: StagedFile[];
}

/** The files of a dump folder, bound for MongoDB/ in the archive. */
async function dumpFiles(local: string): Promise<StagedFile[]> {
  return (await listFiles(local)).map((rel) => ({ archivePath: `MongoDB/${rel}`, localPath: join(local, rel), kind: 'database' as const }));
}
