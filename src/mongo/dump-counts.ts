import { join } from 'node:path';
import { countBsonDocuments, listFiles } from '../util/fsx.ts';

export { EXPECTED_DATABASES } from '../core/manifest.ts';

/** Per-database, per-collection document counts of a dump folder (`<db>/<coll>.bson`). */
export async function dumpCounts(dir: string): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const rel of await listFiles(dir)) {
    const m = /^([^/]+)\/(.+)\.bson$/.exec(rel);
    if (!m) continue;
    (out[m[1]!] ??= {})[m[2]!] = countBsonDocuments(join(dir, rel));
  }
  return out;
}
