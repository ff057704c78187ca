// Bad input ends in its documented code with a message that says what to do (issue 12; issue 19 item 5):
// configurations, RuntimeSettings.xml files, manifests, sidecars, encodings.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { BackupError } from '../src/core/errors.ts';
import { parseManifest } from '../src/core/manifest.ts';
import { parseRuntimeSettings, readRuntimeSettings } from '../src/core/settings.ts';
import { decodeText } from '../src/util/text.ts';
import { verifyArchive } from '../src/archive/verify.ts';
import { craftZip } from './helpers/crafted-zip.ts';
import { sha } from './helpers/restore-fixtures.ts';
import { tempDir } from './helpers/tmp.ts';

function refused(t: import('ava').ExecutionContext, fn: () => unknown, code: number, re: RegExp): BackupError {
  const err = t.throws(fn) as BackupError;
  t.true(err instanceof BackupError, String(err));
  t.is(err.exitCode as number, code, err.message);
  t.regex(err.full, re);
  t.false(/\n\s+at /.test(err.full), 'no stack trace in the message');
  return err;
}

const cfg = (t: import('ava').ExecutionContext, content: string | Buffer) => {
  const f = join(tempDir(t), 'backup-config.json');
  writeFileSync(f, content);
  return f;
};

test('a configuration nested 10,000 levels: exit 3 naming the file, no stack overflow', (t) => {
  const f = cfg(t, '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
  refused(t, () => loadConfig({ ConfigPath: f }), 3, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is nested more than 32 levels`));
});

test('encodings: UTF-16 LE/BE with BOM and UTF-8 with BOM are read; ANSI and UTF-16 without BOM are refused with "save it as UTF-8"', (t) => {
  const json = JSON.stringify({ BackupConfiguration: { TempDirectory: 'D:\\Sauvegardes été' } });
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]);
  t.is(loadConfig({ ConfigPath: cfg(t, le) }).config.BackupConfiguration.TempDirectory, 'D:\\Sauvegardes été');
  const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, 'utf16le').swap16()]);
  t.is(loadConfig({ ConfigPath: cfg(t, be) }).config.BackupConfiguration.TempDirectory, 'D:\\Sauvegardes été');
  const bom8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json, 'utf8')]);
  t.is(loadConfig({ ConfigPath: cfg(t, bom8) }).config.BackupConfiguration.TempDirectory, 'D:\\Sauvegardes été');
  // Windows-1252: é is the single byte 0xE9 (what 5.1 Set-Content and Notepad on Server 2016 write).
  const ansi = Buffer.from(json, 'latin1');
  refused(t, () => loadConfig({ ConfigPath: cfg(t, ansi) }), 3, /not valid UTF-8 \(byte 0xe9 at offset \d+.*Save it as UTF-8/);
  refused(t, () => loadConfig({ ConfigPath: cfg(t, Buffer.from(json, 'utf16le')) }), 3, /UTF-16 without a byte-order mark.*Save it as UTF-8/);
  t.throws(() => decodeText(Buffer.from([0xff, 0xfe, 0x41]), 'x'), { message: /odd number of bytes/ });
});

test('control characters and absurd numbers: exit 3 naming the key', (t) => {
  refused(
    t,
    () => loadConfig({ ConfigPath: cfg(t, JSON.stringify({ ServerConfiguration: { ServiceName: 'Alteryx\u0007Service' } })) }),
    3,
    /ServerConfiguration\.ServiceName holds a control character \(code 7\)/,
  );
  refused(
    t,
    () => loadConfig({ ConfigPath: cfg(t, JSON.stringify({ ServerConfiguration: { ServiceName: 'a\\b' } })) }),
    3,
    /ServerConfiguration\.ServiceName = "a\\\\b": a Windows service name/,
  );
  refused(
    t,
    () => loadConfig({ ConfigPath: cfg(t, JSON.stringify({ BackupConfiguration: { TempDirectory: 'D:\\Temp\n' } })) }),
    3,
    /BackupConfiguration\.TempDirectory holds a control character/,
  );
  refused(
    t,
    () => loadConfig({ ConfigPath: cfg(t, '{"ValidationConfiguration":{"MinimumBackupSizeMB":{"Full":1e308}}}') }),
    3,
    /ValidationConfiguration\.MinimumBackupSizeMB\.Full = 1e\+308/,
  );
  refused(
    t,
    () => loadConfig({ ConfigPath: cfg(t, '{"ServiceConfiguration":{"MaxServiceWaitSeconds":1e400}}') }),
    3,
    /ServiceConfiguration\.MaxServiceWaitSeconds/,
  );
  // A parameter is checked like the file.
  refused(t, () => loadConfig({ TempDirectory: 'D:\\T\u0000emp' }), 3, /BackupConfiguration\.TempDirectory holds a control character/);
  // Comments may hold anything.
  t.is(loadConfig({ ConfigPath: cfg(t, JSON.stringify({ _comment: 'line\nbreak' })) }).mode, 'Full');
});

const settingsFile = 'C:\\ProgramData\\Alteryx\\RuntimeSettings.xml';

test('RuntimeSettings.xml: any DOCTYPE (XXE, internal subset, entity bomb outside the elements read) is refused with exit 3', (t) => {
  const xxe = '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><SystemSettings><Controller><A>&x;</A></Controller></SystemSettings>';
  refused(t, () => parseRuntimeSettings(xxe, settingsFile), 3, /RuntimeSettings\.xml holds a <!DOCTYPE> or <!ENTITY> declaration.*Remove the DOCTYPE/);
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><SystemSettings><Controller/><Unread>&lol9;</Unread></SystemSettings>`;
  refused(t, () => parseRuntimeSettings(bomb, settingsFile), 3, /<!DOCTYPE> or <!ENTITY>/);
  refused(t, () => parseRuntimeSettings('<!DOCTYPE SystemSettings><SystemSettings/>', settingsFile), 3, /<!DOCTYPE>/);
});

test('RuntimeSettings.xml: deep nesting, malformed XML and a wrong root end in exit 3 naming the file', (t) => {
  refused(
    t,
    () => parseRuntimeSettings('<SystemSettings>' + '<a>'.repeat(100_000) + '</a>'.repeat(100_000) + '</SystemSettings>', settingsFile),
    3,
    /nests elements more than 64 levels deep/,
  );
  refused(t, () => parseRuntimeSettings('<SystemSettings><a></SystemSettings>', settingsFile), 3, /is not valid XML \(line 1/);
  refused(t, () => parseRuntimeSettings('<Other/>', settingsFile), 3, /no <SystemSettings> root/);
  // Built-in entities still read (a path with "&").
  const tree = parseRuntimeSettings('<SystemSettings><Controller><P>C:\\R&amp;D</P></Controller></SystemSettings>', settingsFile);
  t.is((tree['Controller'] as Record<string, string>)['P'], 'C:\\R&D');
});

test('RuntimeSettings.xml in UTF-16 with BOM is read; in ANSI it is refused with "save it as UTF-8"', async (t) => {
  const dir = tempDir(t);
  const xml =
    '<?xml version="1.0" encoding="utf-16"?><SystemSettings><Controller><EmbeddedMongoDBRootPath>C:\\Données</EmbeddedMongoDBRootPath></Controller></SystemSettings>';
  writeFileSync(join(dir, 'u16.xml'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]));
  const tree = await readRuntimeSettings(join(dir, 'u16.xml'), settingsFile);
  t.is((tree!['Controller'] as Record<string, string>)['EmbeddedMongoDBRootPath'], 'C:\\Données');
  writeFileSync(join(dir, 'ansi.xml'), Buffer.from(xml.replace('utf-16', 'windows-1252'), 'latin1'));
  const err = await t.throwsAsync(readRuntimeSettings(join(dir, 'ansi.xml'), settingsFile));
  t.is((err as BackupError).exitCode, 3);
  t.regex((err as BackupError).full, /RuntimeSettings\.xml cannot be read: it is not valid UTF-8.*Save it as UTF-8/);
});

test('manifests of the wrong shape: exit 3 naming the key, never "manifest.files.map is not a function"', (t) => {
  const good = { format: 1, mode: 'ConfigOnly', nodes: [{ name: 'H', role: 'controller' }], mongo: { type: 'embedded', dumped: false }, files: [] };
  t.is(parseManifest(JSON.stringify(good)).mode, 'ConfigOnly');
  refused(t, () => parseManifest(JSON.stringify({ ...good, files: {} })), 3, /manifest\.json is not in the form this tool writes: files: /);
  refused(t, () => parseManifest(JSON.stringify({ ...good, files: [{ path: 'a', size: '1', sha256: 'x', kind: 'k' }] })), 3, /files\.0\.size/);
  refused(t, () => parseManifest(JSON.stringify({ ...good, mode: 'Everything' })), 3, /mode/);
  refused(t, () => parseManifest('[]'), 3, /\(root\)/);
  refused(t, () => parseManifest('{'), 3, /not valid JSON/);
  refused(
    t,
    () =>
      parseManifest(
        JSON.stringify({
          ...good,
          files: [
            { path: 'a', size: 1, sha256: 'a'.repeat(64), kind: 'k' },
            { path: 'a', size: 1, sha256: 'a'.repeat(64), kind: 'k' },
          ],
        }),
      ),
    3,
    /lists a twice/,
  );
  refused(t, () => parseManifest('['.repeat(100_000) + ']'.repeat(100_000)), 3, /\(root\)|not valid JSON/);
});

test('a .sha256 sidecar written by Windows PowerShell (UTF-16 LE with BOM, other case) is read; an ANSI one is refused naming the encoding', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'ServerBackup_Config_20260101_020000.zip');
  const bytes = craftZip([{ name: 'a.txt', data: Buffer.from('a') }]);
  writeFileSync(zip, bytes);
  const side = `${zip}.sha256`;
  writeFileSync(
    side,
    Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${sha(bytes).toUpperCase()}  serverbackup_config_20260101_020000.ZIP\r\n`, 'utf16le')]),
  );
  const ok = await verifyArchive(zip, { sha256File: side });
  t.true(ok.checks.find((c) => c.name === 'sha256 file')!.ok, JSON.stringify(ok.checks));
  t.true(ok.checks.find((c) => c.name === 'archive sha256')!.ok);
  writeFileSync(side, Buffer.from(`${sha(bytes)}  Sauvegarde\u00e9.zip\n`, 'latin1'));
  const bad = await verifyArchive(zip, { sha256File: side });
  t.regex(bad.checks.find((c) => c.name === 'sha256 file')!.detail, /not valid UTF-8.*Save it as UTF-8/);
});
