import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { ExitCode, type ExitCodeValue } from '../core/errors.ts';
import { Masker } from '../log/mask.ts';
import { formatBytes } from '../util/format.ts';
import { parseArchiveName } from '../steps/retention.ts';
import { Output } from './output.ts';
import { destinationByName } from '../cloud/fetch.ts';
import { describeCloudError, openStore } from '../cloud/open.ts';
import { displayUrl, objectUrl } from '../cloud/url.ts';

export const LIST_HELP = `alteryx-backup list --destination NAME [--config FILE] [--json]

Lists the backups stored in a cloud destination (BackupConfiguration.CloudDestinations): name, URL, mode,
time in the name, size, whether its .sha256 is there and the lock date. Credentials as for the backup
(request secrets with --request-stdin, or the environment; docs/storage.md). Exit 4 when the destination
cannot be listed, 3 when no destination has that name.
`;

/** `alteryx-backup list --destination NAME`: what is stored there, newest first. */
export async function listCommand(argv: string[]): Promise<ExitCodeValue> {
  const { values } = parseArgs({
    args: argv,
    options: {
      destination: { type: 'string', short: 'd' },
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      'request-stdin': { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(LIST_HELP);
    return ExitCode.Success;
  }
  let params: Record<string, unknown> = { ConfigPath: values.config };
  let secrets: Record<string, string | undefined> = {};
  if (values['request-stdin']) {
    const { readFileSync } = await import('node:fs');
    const req = JSON.parse(readFileSync(0, 'utf8').replace(/^\uFEFF/, '')) as { params?: Record<string, unknown>; secrets?: Record<string, string> };
    params = req.params ?? {};
    secrets = req.secrets ?? {};
  }
  const name = (values.destination ?? params['Destination']) as string | undefined;
  const out = new Output(!!values.json || !!values['request-stdin'], false);
  const masker = new Masker();
  for (const v of Object.values(secrets)) masker.add(v);
  if (!name) {
    const message = 'list needs the destination: alteryx-backup list --destination NAME';
    out.json
      ? out.event({ type: 'result', command: 'list', exitCode: ExitCode.Validation, success: false, message, backups: [] })
      : process.stderr.write(`${message}\n`);
    return ExitCode.Validation;
  }
  const { config } = loadConfig({ ...params, BackupMode: undefined });
  const dest = destinationByName(config, name);
  const store = await openStore(dest, secrets, masker);
  try {
    const objects = await store.list();
    // S3 lists no metadata: the recorded SHA-256 and lock date come from one HEAD per archive.
    for (const [i, o] of objects.entries()) {
      if (o.sha256 === undefined && parseArchiveName(o.name)) objects[i] = { ...o, ...((await store.head(o.name)) ?? {}) };
    }
    const names = new Set(objects.map((o) => o.name));
    const backups = objects
      .map((o) => ({ o, p: parseArchiveName(o.name) }))
      .filter((x) => x.p)
      .sort((a, b) => b.p!.time - a.p!.time)
      .map(({ o, p }) => ({
        name: o.name,
        url: objectUrl(store.location, `${store.location.prefix}${o.name}`),
        mode: p!.group,
        timestamp: new Date(p!.time).toISOString(),
        sizeBytes: o.size,
        lastModified: o.lastModified?.toISOString() ?? null,
        hasChecksum: names.has(`${o.name}.sha256`),
        sha256: o.sha256 ?? null,
        lockedUntil: o.lockedUntil?.toISOString() ?? null,
      }));
    const message = `${dest.Name} (${displayUrl(dest.Url)}): ${backups.length} backup(s)`;
    if (out.json)
      out.event({ type: 'result', command: 'list', exitCode: 0, success: true, message, destination: dest.Name, url: displayUrl(dest.Url), backups });
    else {
      out.text(message);
      for (const b of backups)
        out.text(
          `  ${b.name}  ${formatBytes(b.sizeBytes).padStart(10)}  ${b.hasChecksum ? 'sha256' : 'no .sha256'}${b.lockedUntil ? `  locked until ${b.lockedUntil}` : ''}`,
        );
    }
    return ExitCode.Success;
  } catch (err) {
    const message = masker.mask(describeCloudError(err, dest));
    out.json
      ? out.event({ type: 'result', command: 'list', exitCode: ExitCode.Storage, success: false, message, backups: [] })
      : process.stderr.write(`alteryx-backup: ${message}\n`);
    return ExitCode.Storage;
  } finally {
    store.close();
  }
}
