// scripts/check-layers.mjs: the repository passes (no import cycle, every import within the layer rules of
// docs/architecture.md, no function over 120 lines), and a tree with a cycle, a layer violation or a long
// function fails naming it. Real files in a temp folder, the real script as a child process.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './helpers/tmp.ts';

const script = join(import.meta.dirname, '..', 'scripts', 'check-layers.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

function tree(t: import('ava').ExecutionContext, files: Record<string, string>): string {
  const root = tempDir(t);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', rel)), { recursive: true });
    writeFileSync(join(root, 'src', rel), text);
  }
  return root;
}

test('the repository has no cycle, no layer violation and no function over 120 lines', (t) => {
  const r = run();
  t.is(r.status, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /check-layers: \d+ checks passed, 0 failed/);
});

test('an import cycle fails, naming its files (a type-only import counts)', (t) => {
  const root = tree(t, {
    'core/a.ts': "import { b } from './b.ts';\nexport const a = 1 + b;\n",
    'core/b.ts': "import type { A } from './c.ts';\nexport const b = 2;\n",
    'core/c.ts': "import {\n  a,\n} from './a.ts';\nexport type A = typeof a;\n",
  });
  const r = run('--root', root);
  t.is(r.status, 1);
  t.regex(r.stdout, /cycle: src\/core\/a\.ts <-> src\/core\/b\.ts <-> src\/core\/c\.ts/);
});

test('a lower room importing a higher one fails, naming the rule', (t) => {
  const root = tree(t, { 'util/x.ts': "import { s } from '../steps/y.ts';\nexport const x = s;\n", 'steps/y.ts': 'export const s = 1;\n' });
  const r = run('--root', root);
  t.is(r.status, 1);
  t.regex(r.stdout, /layer: src\/util\/x\.ts imports src\/steps\/y\.ts: util\/ may import only nothing/);
});

test('a function over 120 lines fails, with its name and length; 120 lines pass', (t) => {
  const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = '{' + \`\${${i}}}\`;`).join('\n');
  const root = tree(t, {
    'util/long.ts': `export function tooLong(): void {\n${body(121)}\n}\n\nexport const fine = async (): Promise<void> => {\n${body(118)}\n};\n`,
  });
  const r = run('--root', root);
  t.is(r.status, 1);
  t.regex(r.stdout, /length: src\/util\/long\.ts:1 tooLong is 123 lines \(at most 120\)/);
  t.false(/fine/.test(r.stdout));
});
