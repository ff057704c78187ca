// scripts/check-layers.mjs: the repository passes (no import cycle, every import within the layer rules of
// docs/architecture.md, no function over 120 lines), and a tree with a cycle, a layer violation or a long
// function fails naming it. Real files in a temp folder, the real script as a child process.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './helpers/tmp.ts';
// @ts-expect-error: a plain .mjs script without types
import { codeOnly } from '../scripts/check-layers.mjs';

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

// The scanner behind the length rule: strings, template literals (nested, with `${}`), comments and regular
// expressions are not code, so a brace, quote or backquote inside them neither opens nor closes a function.
// Each case below was miscounted by the old brace counter (it knew no regular expressions).
const filler = (n: number) => Array.from({ length: n }, (_, i) => `  total += ${i};`).join('\n');

function lengthReport(t: import('ava').ExecutionContext, source: string): string {
  const r = run('--root', tree(t, { 'util/f.ts': source }));
  return r.stdout;
}

test('a regex holding a backquote does not open a template literal (the function is still measured)', (t) => {
  const out = lengthReport(
    t,
    `export function withBackquote(p: string): number {\n  let total = /\`--(.*)'/.exec(p)?.[1]?.length ?? 0;\n${filler(125)}\n  return total;\n}\n\nexport function after(): number {\n  return 1;\n}\n`,
  );
  t.regex(out, /length: src\/util\/f\.ts:1 withBackquote is 129 lines/);
  t.false(/after/.test(out), out);
});

test('a regex holding a quote does not hide the brace after it', (t) => {
  const out = lengthReport(
    t,
    `export function withQuote(s: string): number {\n  let total = 0;\n  if (/'/.test(s)) {\n    total++;\n  }\n${filler(121)}\n  return total;\n}\n`,
  );
  t.regex(out, /length: src\/util\/f\.ts:1 withQuote is 128 lines/);
});

test('braces inside a regex (in a class, escaped) are not counted', (t) => {
  const out = lengthReport(
    t,
    `export function withBraces(s: string): number {\n  let total = /[{]/.test(s) ? 1 : 0;\n  if (/\\{{2}$/.test(s)) total++;\n${filler(121)}\n  return total;\n}\n\nfunction short(s: string): boolean {\n  return /\\{+/.test(s);\n}\n`,
  );
  t.regex(out, /length: src\/util\/f\.ts:1 withBraces is 126 lines/);
  t.false(/short/.test(out), out);
});

test('a slash after a value divides, after an operator or keyword it starts a regex', (t) => {
  const out = lengthReport(
    t,
    `export function divides(width: number, s: string): number {\n  let total = width / 2 / (width + 1);\n  const open = { half: total / 1 };\n  if (/[}]/.test(s) && (total) / 3 > 0) {\n    total = open.half;\n  }\n  const re = s.length ? /{/ : /}/;\n${filler(121)}\n  return total + (re.test(s) ? 1 : 0);\n}\n\nexport const fine = (x: number): number => {\n  return x / 2;\n};\n`,
  );
  t.regex(out, /length: src\/util\/f\.ts:1 divides is 130 lines/);
  t.false(/fine/.test(out), out);
});

test('nested template literals, with regexes and braces in their parts, are skipped as a whole', (t) => {
  const out = lengthReport(
    t,
    `export function nested(s: string): string {\n  let total = 0;\n  const label = \`a \${s.replace(/\`/g, "'")} b \${\`inner \${s ? \`{\` : '}'} x\`} c\`;\n  const multi = \`{\n  {\n\${label}\`;\n${filler(121)}\n  return label + multi + total;\n}\n`,
  );
  t.regex(out, /length: src\/util\/f\.ts:1 nested is 129 lines/);
});

test('codeOnly blanks regex, string, template text and comments, and keeps divisions, lines and columns', (t) => {
  const src = `const a = b / 2, c = /x{'\`/.test(s) ? (d) / 3 : 0; // {\nconst t = \`{\${a}}\`; /* } */ return /}/g;`;
  const code = codeOnly(src);
  t.is(code.length, src.length);
  t.is(code.split('\n').length, 2);
  t.is(code, `const a = b / 2, c = /    /.test(s) ? (d) / 3 : 0;     \nconst t = \` \${a} \`;${' '.repeat(9)}return / /g;`);
});
