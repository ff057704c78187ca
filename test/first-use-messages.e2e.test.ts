// Messages that misled a new user (issue 13), each now saying what is true: "(kept)" only for a staging folder
// that exists, "MongoDB passwords in clear" only when the archive holds them, "Run As user (none)" instead of a
// blank, and a ConfigOnly archive with legacy naming not named like a Full.
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { choosePlatform } from '../src/platform/choose.ts';
import { runBackup } from '../src/backup/backup.ts';
import type { LogRecord } from '../src/log/logger.ts';
import { mapWindowsPath, openSandbox, readSandboxFile, setKnob, WIN } from '../src/sandbox/index.ts';
import { setSetting } from '../src/sandbox/settings-xml.ts';
import { runCli } from './helpers/cli.ts';
import { zipEntries } from './helpers/restore-fixtures.ts';
import { quickSandbox } from './helpers/sandbox.ts';

async function backup(params: Record<string, unknown>, secrets: Record<string, string> = {}) {
  const logs: LogRecord[] = [];
  const r = await runBackup({ params, secrets, dryRun: false }, { platform: choosePlatform, sink: (x) => logs.push(x), progress: () => {} });
  return { r, logs };
}

test('a run that fails before its staging folder exists reports no "(kept)" staging folder; one that fails after it does (kept on request), or says it was removed', async (t) => {
  const s = await quickSandbox(t);
  setKnob(s.dir, 'elevated', 'false');
  const early = await runCli(['backup', '--mode', 'Full', '--sandbox', s.dir, '--config', s.config]);
  t.is(early.code, 3, early.stdout);
  t.notRegex(early.stdout, /staging :|\(kept\)/);
  const json = await runCli(['backup', '--mode', 'Full', '--sandbox', s.dir, '--config', s.config, '--json']);
  t.is(json.result!['stagingPath'], null);
  setKnob(s.dir, 'elevated', 'true');
  setKnob(s.dir, 'emongodump.fail', '"exit"');
  // Issue 12: a failed run removes its staging folder (secrets never outlive the run) unless asked to keep it.
  const removed = await runCli(['backup', '--mode', 'Full', '--sandbox', s.dir, '--config', s.config]);
  t.is(removed.code, 5, removed.stdout);
  t.notRegex(removed.stdout, /\(kept\)/);
  t.regex(removed.stdout, /The staging folder of the failed run was removed/);
  const late = await runCli(['backup', '--mode', 'Full', '--sandbox', s.dir, '--config', s.config, '--keep-staging-on-failure']);
  t.is(late.code, 5, late.stdout);
  const kept = /staging : (\S+) \(kept\)/.exec(late.stdout)?.[1];
  t.truthy(kept, late.stdout);
  t.true(existsSync(kept!));
});

test('"in clear" names what the archive holds: the token and MongoDB passwords (embedded), the token only (self-managed)', async (t) => {
  const e = await quickSandbox(t);
  // Blank Run As user (the sandbox sets CONTOSO\\svc-alteryx-run): the log line below must say "(none)".
  const sbxNode = openSandbox(e.dir).nodes[0]!;
  const settingsFile = mapWindowsPath(e.dir, sbxNode.root, WIN.overridesXml);
  writeFileSync(settingsFile, setSetting(readFileSync(settingsFile, 'utf8'), 'Worker', 'ExecuteUserName', ''));
  const emb = await backup({ BackupMode: 'Full', SandboxPath: e.dir, ConfigPath: e.config });
  t.is(emb.r.exitCode, 0, emb.r.message);
  t.true(
    emb.r.warnings.some((w) => /holds the controller token and the MongoDB passwords in clear/.test(w)),
    emb.r.warnings.join('\n'),
  );
  t.true((await zipEntries(emb.r.archivePath!)).has('Secrets/MongoPasswords.txt'));
  const s = await quickSandbox(t, { mongo: 'self-managed' }, { MongoDBConfiguration: { SelfManagedMongoDB: { ConnectTimeoutSeconds: 5 } } });
  const self = await backup({ BackupMode: 'Full', SandboxPath: s.dir, ConfigPath: s.config }, { MongoPassword: readSandboxFile(s.dir).selfManaged!.password });
  t.is(self.r.exitCode, 0, self.r.message);
  t.false((await zipEntries(self.r.archivePath!)).has('Secrets/MongoPasswords.txt'));
  t.true(
    self.r.warnings.some((w) => /holds the controller token in clear/.test(w)),
    self.r.warnings.join('\n'),
  );
  t.false(self.r.warnings.some((w) => /MongoDB passwords/.test(w)));
  // No blank Run As line: that sandbox's RuntimeSettings.xml has an empty Worker/ExecuteUserName; the other names its user.
  const runAs = emb.logs.find((l) => /Run As user/.test(l.message))!.message;
  t.regex(runAs, /Run As user \(none\)$/);
  t.regex(self.logs.find((l) => /Run As user/.test(l.message))!.message, /Run As user svc-alteryx-run$/);
});

test('with ArchiveNameFormat legacy a ConfigOnly archive keeps its mode name; a Full gets the legacy name', async (t) => {
  const s = await quickSandbox(t, {}, { BackupConfiguration: { ArchiveNameFormat: 'legacy' } });
  const cfg = await backup({ BackupMode: 'ConfigOnly', SandboxPath: s.dir, ConfigPath: s.config });
  t.is(cfg.r.exitCode, 0, cfg.r.message);
  t.regex(cfg.r.archivePath!, /ServerBackup_Config_\d{8}_\d{6}\.zip$/);
  t.true(cfg.logs.some((l) => /legacy names Full backups only/.test(l.message)));
  const full = await backup({ BackupMode: 'Full', SandboxPath: s.dir, ConfigPath: s.config });
  t.is(full.r.exitCode, 0, full.r.message);
  t.regex(full.r.archivePath!, /ServerBackup_\d{8}_\d{6}\.zip$/);
});
