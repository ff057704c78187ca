// Bundles bench/cloud-upload.ts like the shipped CLI (scripts/build.mjs: esbuild, ESM, node20), so that the
// measured peak RSS is the one of production code under plain node, without the TypeScript loader.
import { build } from 'esbuild';
import { join } from 'node:path';

export async function bundleUploader(outDir: string): Promise<string> {
  const outfile = join(outDir, 'cloud-upload.mjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'cloud-upload.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __abCreateRequire } from 'node:module'; const require = __abCreateRequire(import.meta.url);" },
    external: ['edge-js'],
    logLevel: 'warning',
  });
  return outfile;
}
