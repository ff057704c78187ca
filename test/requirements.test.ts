import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const repo = join(import.meta.dirname, '..');
// REQ-1.2.3, REQ-5.2.x (a group), or a made-up form such as REQ-SEC-3 (so that it is reported, not skipped).
const REF = /REQ-(?:[0-9]+(?:\.(?:[0-9]+|x))*|[A-Za-z]+(?:-[0-9]+)?)/g;

function files(dir: string, skip: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (skip(path)) continue;
    if (statSync(path).isDirectory()) out.push(...files(path, skip));
    else if (/\.(ts|mjs|js|ps1|psm1|psd1|ps1xml|md|txt)$/.test(name)) out.push(path);
  }
  return out;
}

/** The ids docs/requirements.md defines: the first cell of its table rows. */
function defined(): Set<string> {
  const text = readFileSync(join(repo, 'docs', 'requirements.md'), 'utf8');
  return new Set([...text.matchAll(/^\| (REQ-[0-9.]+) \|/gm)].map((m) => m[1] as string));
}

/** REQ-a.b.c resolves when defined; REQ-a.b.x (a group) when some REQ-a.b.* is. */
function resolves(ref: string, ids: Set<string>): boolean {
  if (ids.has(ref)) return true;
  const group = /^(REQ-[0-9]+(?:\.[0-9]+)*)\.x$/.exec(ref);
  return !!group && [...ids].some((id) => id.startsWith(`${group[1]}.`));
}

test('docs/requirements.md defines the ids of the task list', (t) => {
  const ids = defined();
  t.true(ids.size >= 90, `only ${ids.size} ids`);
  for (const id of ['REQ-1.1.1', 'REQ-2.1.6', 'REQ-7.3.5', 'REQ-8.2.3', 'REQ-9.1.1']) t.true(ids.has(id), id);
});

test('every REQ- id cited in src/, module/, docs/ and README.md is in docs/requirements.md', (t) => {
  const ids = defined();
  const skip = (p: string) => /node_modules|[\\/]lib$|[\\/]\.git$/.test(p) || p.endsWith(join('docs', 'requirements.md'));
  const sources = [...files(join(repo, 'src'), skip), ...files(join(repo, 'module'), skip), ...files(join(repo, 'docs'), skip), join(repo, 'README.md')];
  const dangling: string[] = [];
  let cited = 0;
  for (const file of sources) {
    for (const m of readFileSync(file, 'utf8').matchAll(REF)) {
      cited += 1;
      if (!resolves(m[0], ids)) dangling.push(`${relative(repo, file)}: ${m[0]}`);
    }
  }
  t.true(cited >= 50, `only ${cited} references found: is the scan looking in the right places?`);
  t.deepEqual(dangling, []);
});

test('the check itself: an unknown id and an unknown group do not resolve', (t) => {
  const ids = new Set(['REQ-5.2.1', 'REQ-5.2.3']);
  t.true(resolves('REQ-5.2.x', ids));
  t.true(resolves('REQ-5.2.1', ids));
  t.false(resolves('REQ-5.3.x', ids));
  t.false(resolves('REQ-5.2.9', ids));
  t.false(resolves('REQ-SEC-3', ids));
});
