// One archiver run as the tool writes its ZIPs (deflate level 6, streaming, ZIP64 as needed), for
// bench/compress-archive.ts: node bench/zip-with-archiver.mjs <folder> <out.zip>
import { createWriteStream } from 'node:fs';
import { ZipArchive } from 'archiver';

const [dir, out] = process.argv.slice(2);
const zip = new ZipArchive({ zlib: { level: 6 } });
const done = new Promise((resolve, reject) => {
  const ws = createWriteStream(out);
  ws.on('close', resolve);
  ws.on('error', reject);
  zip.on('error', reject);
  zip.pipe(ws);
});
zip.directory(dir, false);
await zip.finalize();
await done;
