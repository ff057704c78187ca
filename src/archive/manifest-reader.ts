import { MANIFEST_NAME, type Manifest } from '../core/manifest.ts';
import { ARCHIVE_LIMITS, ArchiveRefused, entryStream, inspectArchive, openZip } from './verify.ts';

/**
 * The manifest an archive says it has (a restore plans from it; its verify step then checks the archive
 * against it), read under the shared reader's rules (issue 12): the entry table is inspected first (entry
 * count, names, kinds, duplicates, compression ratio: inspectArchive), and manifest.json is refused above
 * ARCHIVE_LIMITS.maxManifestBytes, from its header and while it is inflated. Throws ArchiveRefused (exit 3,
 * naming the entry) for a hostile archive; undefined when the manifest cannot be read for an ordinary
 * reason (not a ZIP, no manifest.json, a wrong password, not JSON), which the verify step then reports.
 */
export async function readManifest(archive: string, password?: string, maxEntries?: number): Promise<Manifest | undefined> {
  let zf: Awaited<ReturnType<typeof openZip>>;
  try {
    zf = await openZip(archive);
  } catch {
    return undefined;
  }
  try {
    const entry = (await inspectArchive(zf, maxEntries)).find((e) => e.fileName === MANIFEST_NAME);
    if (!entry) return undefined;
    const limit = ARCHIVE_LIMITS.maxManifestBytes;
    if (entry.uncompressedSize > limit)
      throw new ArchiveRefused(entry.fileName, `${entry.uncompressedSize} bytes, above the limit of ${limit} for manifest.json`);
    const parts: Buffer[] = [];
    // Checked while inflating against the header's size (at most the limit): a header that lies stops there.
    for await (const chunk of (await entryStream(zf, entry, password, limit)) as AsyncIterable<Buffer>) parts.push(chunk);
    const m = JSON.parse(Buffer.concat(parts).toString('utf8')) as Manifest;
    return m && typeof m === 'object' && Array.isArray(m.files) && Array.isArray(m.nodes) && m.mongo ? m : undefined;
  } catch (err) {
    if (err instanceof ArchiveRefused) throw err;
    return undefined;
  } finally {
    zf.close();
  }
}
