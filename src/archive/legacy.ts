/**
 * Archives of the legacy batch script (alteryx-facts.md, "The legacy batch script"), pure: it writes
 * `ServerBackup_<YYYYMMDD_HHMMSS>.7z` with 7-Zip, holding `ServerBackup_<ts>\Mongo\` (the emongodump folder),
 * RuntimeSettings.xml, SystemAlias.xml, SystemConnections.xml and ControllerToken.txt, and no manifest.json.
 * Such an archive (or a ZIP someone made of that layout) is recognised by name, by the 7z signature, or by
 * its entries, and named with what to do: this tool cannot verify or restore it.
 */
export interface LegacyArchive {
  kind: '7z' | 'zip';
  /** The YYYYMMDD_HHMMSS of its name, when it has the legacy name. */
  stamp?: string | undefined;
  message: string;
  hint: string;
}

/** The 7z signature: '7z' BC AF 27 1C. */
const SEVEN_Z = Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]);
const LEGACY_NAME = /^ServerBackup_(\d{8}_\d{6})\.(7z|zip)$/i;

/** Entries of the legacy layout, with or without the ServerBackup_<ts>/ folder in front. */
export function hasLegacyLayout(entryNames: string[]): boolean {
  const rel = entryNames.map((n) => n.replace(/\\/g, '/').replace(/^ServerBackup_\d{8}_\d{6}\//i, ''));
  const mongo = rel.some((n) => /^Mongo\/[^/]+\/[^/]+\.bson$/i.test(n));
  const settings = rel.some((n) => /^RuntimeSettings\.xml$/i.test(n));
  const token = rel.some((n) => /^ControllerToken\.txt$/i.test(n));
  return (mongo && (settings || token)) || (settings && token);
}

export function recognizeLegacyArchive(fileName: string, head: Uint8Array, entryNames?: string[]): LegacyArchive | undefined {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const stamp = LEGACY_NAME.exec(base)?.[1];
  const is7z = Buffer.from(head.subarray(0, 6)).equals(SEVEN_Z);
  const zipLayout = entryNames !== undefined && !entryNames.includes('manifest.json') && hasLegacyLayout(entryNames);
  if (!is7z && !zipLayout) return undefined;
  const when = stamp
    ? ` taken ${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)} ${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}`
    : '';
  const what = is7z ? 'a 7-Zip archive' : 'a ZIP with its layout (Mongo\\, RuntimeSettings.xml, ControllerToken.txt) and no manifest.json';
  return {
    kind: is7z ? '7z' : 'zip',
    stamp,
    message: `${base} is a backup of the legacy batch script (ServerBackup_YYYYMMDD_HHMMSS.7z)${when}: ${what}. It has no manifest.json, so this tool can neither verify nor restore it.`,
    hint:
      'Restore it by hand (docs/restore.md, "A legacy batch archive"): extract it with 7-Zip (7z x ' +
      `${base}), stop AlteryxService, run AlteryxService.exe emongorestore=<extracted>\\Mongo,<EmbeddedMongoDBRootPath>, ` +
      'put back RuntimeSettings.xml, SystemAlias.xml and SystemConnections.xml, run AlteryxService.exe setserversecret=<the token in ControllerToken.txt>, start the service. ' +
      'Better: take a new backup with this tool now, so that the next restore is verified.',
  };
}
