import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The module's lib folder when this code runs from the bundle, else undefined (the TypeScript sources, e.g. tests
 * under tsx). The bundle is split (scripts/build.mjs): this function may sit in lib/*.mjs or in lib/chunks/*.mjs,
 * so a path relative to a file's own import.meta.url is not enough; every "beside the bundle" path starts here.
 */
export function bundledLibDir(url: string = import.meta.url): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  const here = fileURLToPath(url);
  if (!here.endsWith('.mjs')) return undefined;
  const dir = path.dirname(here);
  if (path.basename(dir) === 'lib') return dir;
  if (path.basename(dir) === 'chunks' && path.basename(path.dirname(dir)) === 'lib') return path.dirname(dir);
  return undefined;
}
