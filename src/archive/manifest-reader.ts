import { MANIFEST_NAME, type Manifest } from '../core/manifest.ts';
import { entryStream, openZip, readEntries } from './verify.ts';

/**
 * The manifest an archive says it has, read without checking anything else (a restore plans from it; its
 * verify step then checks the archive against it). Undefined when it cannot be read: not a ZIP, no
 * manifest.json, a wrong password, not JSON.
 */
export async function readManifest(archive: string, password?: string): Promise<Manifest | undefined> {
  let zf;
  try {
    zf = await openZip(archive);
  } catch {
    return undefined;
  }
  try {
    const entry = (await readEntries(zf)).find((e) => e.fileName === MANIFEST_NAME);
    if (!entry) return undefined;
    const parts: Buffer[] = [];
    for await (const chunk of (await entryStream(zf, entry, password)) as AsyncIterable<Buffer>) parts.push(chunk);
    const m = JSON.parse(Buffer.concat(parts).toString('utf8')) as Manifest;
    return m && typeof m === 'object' && Array.isArray(m.files) && Array.isArray(m.nodes) && m.mongo ? m : undefined;
  } catch {
    return undefined;
  } finally {
    zf.close();
  }
}
