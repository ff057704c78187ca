// One upload in a process of its own, so that its peak RSS is the upload's alone:
//   tsx bench/cloud-upload.ts <destination JSON> <secrets JSON> <file> <sha256>
// Prints one JSON line: { parts, tries, requests, ms, maxRssBytes, verified }.
import { statSync } from 'node:fs';
import { CloudDestinationSchema } from '../src/config/schema.ts';
import { openStore } from '../src/cloud/open.ts';

const [destJson, secretsJson, file, sha256] = process.argv.slice(2);
const dest = CloudDestinationSchema.parse(JSON.parse(destJson!));
const store = await openStore(dest, JSON.parse(secretsJson!) as Record<string, string>);
const size = statSync(file!).size;
const name = file!.split(/[\\/]/).pop()!;
const t0 = Date.now();
const up = await store.upload({ file: file!, name, size, sha256: sha256! });
const ms = Date.now() - t0;
const head = await store.head(name);
store.close();
process.stdout.write(
  JSON.stringify({
    parts: up.parts,
    tries: store.stats.tries,
    requests: store.stats.requests,
    ms,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    verified: head?.size === size && head?.sha256 === sha256,
  }) + '\n',
);
