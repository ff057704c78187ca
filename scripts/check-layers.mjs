#!/usr/bin/env node
// Structure check of src/ (docs/architecture.md, "Layers"). Dependency-free: reads the import lines.
//   1. no import cycle between files of src/ (type-only imports count: they tie the files as much);
//   2. every import obeys the layer rules (a folder imports only the folders listed for it below);
//   3. no function longer than MAX_FUNCTION_LINES lines.
//
//   node scripts/check-layers.mjs            # prints one line per violation; exit 1 if any
//   node scripts/check-layers.mjs --graph    # prints the folder-level import graph
//   node scripts/check-layers.mjs --root DIR # checks DIR/src instead (the tests use this)
// Closing line: "check-layers: N checks passed, M failed".
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_FUNCTION_LINES = 120;

/**
 * The layer rules (docs/architecture.md, "Layers"): which rooms each room may import. A room is the first
 * folder under src/; an entry "room/file.ts" allows that one file of a room only. A room always imports
 * itself; SHARED files are importable from everywhere. Lower rooms never import higher ones.
 */
export const LAYERS = {
  util: [],
  log: ['util'],
  config: ['util'],
  core: ['util', 'log', 'config', 'platform/ports.ts'],
  archive: ['util', 'log', 'core'],
  sandbox: ['util', 'platform/ports.ts'],
  mongo: ['util', 'log', 'config', 'core', 'platform/ports.ts'],
  platform: ['util', 'log', 'config', 'core', 'sandbox'],
  steps: ['util', 'log', 'config', 'core', 'archive', 'mongo', 'platform/ports.ts'],
  alerts: ['util', 'log', 'config', 'core'],
  restore: ['util', 'log', 'config', 'core', 'archive', 'mongo', 'platform/ports.ts', 'steps'],
  cloud: ['util', 'log', 'config', 'core', 'steps'],
  backup: ['util', 'log', 'config', 'core', 'archive', 'mongo', 'platform/ports.ts', 'steps', 'alerts', 'restore', 'cloud'],
  migrate: ['util', 'config', 'core'],
  compare: ['util', 'core', 'archive'],
  history: ['util', 'log', 'config', 'core', 'archive', 'alerts', 'steps', 'platform/ports.ts'],
  cli: [
    'util',
    'log',
    'config',
    'core',
    'archive',
    'mongo',
    'platform',
    'steps',
    'alerts',
    'restore',
    'backup',
    'sandbox',
    'history',
    'migrate',
    'compare',
    'cloud',
  ],
};

/** Files every room may import: the error type and exit codes, and the tool's version. */
export const SHARED = ['core/errors.ts', 'core/version.ts'];

const IMPORT_RE = /^\s*(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC_RE = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative imports of one source text (static and dynamic), comments dropped. */
export function importsOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out = new Set();
  for (const re of [IMPORT_RE, DYNAMIC_RE]) {
    re.lastIndex = 0;
    for (let m = re.exec(code); m; m = re.exec(code)) if (m[1].startsWith('.')) out.add(m[1]);
  }
  return [...out];
}

/**
 * Functions longer than `max` lines. A function starts on a line that declares one (a function, a method,
 * an arrow with a block body assigned to a name); its body is the `{` that ends its signature line (the
 * signature may wrap over a few lines), and it ends at the line that closes that brace. The text is first
 * reduced to its code (codeOnly: strings, template text, comments and regular expressions blanked), so a
 * brace, quote or backquote inside any of them neither opens nor closes anything.
 */
export function longFunctions(text, max = MAX_FUNCTION_LINES) {
  const lines = codeOnly(text).split('\n');
  const fn = /^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\b\s*\*?\s*([\w$]*)/;
  const arrow = /^\s*(?:export\s+)?(?:const|let)\s+([\w$]+)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:<[^>]*>\s*)?(?:\(|[\w$]+\s*=>)/;
  const method =
    /^\s*(?:(?:public|private|protected|static|async|readonly|get|set)\s+)*(?!(?:if|for|while|switch|catch|return|await|new|function)\b)([\w$]+)\s*(?:<[^>]*>)?\s*\(.*\{\s*$/;
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let name;
    let maxWrap = 0;
    let m;
    if ((m = fn.exec(l))) {
      name = m[1] || '(anonymous)';
      maxWrap = 20;
    } else if ((m = arrow.exec(l)) && /=>\s*\{\s*$/.test(l)) name = m[1];
    else if ((m = method.exec(l))) name = m[1];
    else continue;
    let open;
    for (let k = i; k <= Math.min(lines.length - 1, i + maxWrap); k++) {
      const t = lines[k].trimEnd();
      if (t.endsWith('{')) {
        open = { line: k, col: t.length - 1 };
        break;
      }
      if (t.endsWith(';') || (k > i && /^\s*\}/.test(t) && !/\)\s*:/.test(t))) break;
    }
    if (!open) continue;
    const end = closingLine(lines, open.line, open.col);
    if (end === undefined) continue;
    const length = end - i + 1;
    if (length > max) found.push({ line: i + 1, length, name });
  }
  return found;
}

/** The line index where the brace at (from, col) of code-only lines is closed (undefined if never). */
function closingLine(lines, from, col) {
  let depth = 0;
  for (let i = from; i < lines.length; i++) {
    const l = lines[i];
    for (let j = i === from ? col : 0; j < l.length; j++) {
      if (l[j] === '{') depth++;
      else if (l[j] === '}' && --depth === 0) return i;
    }
  }
  return undefined;
}

/** Words after which a `/` starts a regular expression (after any other word or a number it divides). */
const REGEX_AFTER_WORD = new Set('return typeof instanceof in of new delete void throw case do else yield await'.split(' '));

/**
 * The source text with everything that is not code blanked to spaces (line breaks kept, so lines and
 * columns stay where they were): the contents of strings, the text parts of template literals (their
 * `${...}` parts stay code, nested templates included), comments and regular-expression literals. A `/`
 * is a regular expression or a division by the previous significant token: after a value (a name, a
 * number, a literal, `)` or `]`) it divides, after an operator, a keyword such as `return`, `{`, `}`, `;`
 * or at the start it opens a regular expression. Quotes and delimiters stay, so a line keeps its shape.
 */
export function codeOnly(text) {
  const out = text.split('');
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  const stack = []; // one entry per open `{`: 'brace' (code) or 'template' (a `${` of a template literal)
  let prev = ''; // the previous significant token: a punctuator, a word, or 'value' (a literal)
  let i = 0;
  const n = text.length;
  /** Scans template text from i (just after the opening backquote or a closing `}`); returns where it stopped. */
  const templateText = (from) => {
    let k = from;
    while (k < n) {
      const ch = text[k];
      if (ch === '\\') k += 2;
      else if (ch === '`') {
        blank(from, k);
        prev = 'value';
        return k + 1;
      } else if (ch === '$' && text[k + 1] === '{') {
        blank(from, k);
        stack.push('template');
        prev = '{';
        return k + 2;
      } else k++;
    }
    blank(from, n);
    return n;
  };
  while (i < n) {
    const ch = text[i];
    const next = text[i + 1];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '/' && next === '/') {
      const e = text.indexOf('\n', i);
      const stop = e < 0 ? n : e;
      blank(i, stop);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const e = text.indexOf('*/', i + 2);
      const stop = e < 0 ? n : e + 2;
      blank(i, stop);
      i = stop;
    } else if (ch === "'" || ch === '"') {
      let k = i + 1;
      while (k < n && text[k] !== ch && text[k] !== '\n') k += text[k] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(k, n));
      prev = 'value';
      i = k + 1;
    } else if (ch === '`') {
      i = templateText(i + 1);
    } else if (ch === '/' && regexMayStart(prev)) {
      const r = regexAt(text, i);
      if (r === undefined) {
        prev = '/';
        i++;
      } else {
        blank(i + 1, r.close);
        prev = 'value';
        i = r.end;
      }
    } else if (ch === '{') {
      stack.push('brace');
      prev = '{';
      i++;
    } else if (ch === '}') {
      if (stack.pop() === 'template') i = templateText(i + 1);
      else {
        prev = '}';
        i++;
      }
    } else if (/[\w$]/.test(ch)) {
      let k = i;
      while (k < n && /[\w$]/.test(text[k])) k++;
      const word = text.slice(i, k);
      prev = REGEX_AFTER_WORD.has(word) ? '(' : 'value';
      i = k;
    } else {
      prev = ch === ')' || ch === ']' ? 'value' : ch;
      i++;
    }
  }
  return out.join('');
}

function regexMayStart(prev) {
  return prev !== 'value';
}

/** The regular-expression literal whose `/` is at i: its closing `/` and its end after the flags; undefined if none. */
function regexAt(text, i) {
  let inClass = false;
  for (let k = i + 1; k < text.length; k++) {
    const ch = text[k];
    if (ch === '\n') return undefined;
    if (ch === '\\') k++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '/') {
      let e = k + 1;
      while (e < text.length && /[a-z]/i.test(text[e])) e++;
      return { close: k, end: e };
    }
  }
  return undefined;
}

function listTs(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTs(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The room of a file: its first folder under src/ (or its name, for a file directly in src/). */
export function roomOf(rel) {
  const parts = rel.split('/');
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.ts$/, '');
}

/** Every cycle in a graph (Map file -> files), each as a list of files, found by Tarjan's algorithm. */
export function cyclesOf(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** Checks the tree under `root` (a folder holding src/). Returns { checks, violations, graph }. */
export function checkTree(root) {
  const src = path.join(root, 'src');
  const files = listTs(src).map((f) => path.relative(src, f).split(path.sep).join('/'));
  const graph = new Map();
  const violations = [];
  let checks = 0;
  for (const rel of files) {
    const text = readFileSync(path.join(src, rel), 'utf8');
    const deps = [];
    for (const spec of importsOf(text)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec));
      if (target.startsWith('..')) continue;
      deps.push(target);
      const from = roomOf(rel);
      const to = roomOf(target);
      checks++;
      if (from === to) continue;
      const allowed = LAYERS[from];
      if (!allowed) violations.push(`layer: src/${rel} is in a room (${from}) that the layer rules do not list`);
      else if (!SHARED.includes(target) && !allowed.includes(to) && !allowed.includes(target)) {
        violations.push(
          `layer: src/${rel} imports src/${target}: ${from}/ may import only ${allowed.join(', ') || 'nothing'} (and ${SHARED.join(', ')}) of src/`,
        );
      }
    }
    graph.set(
      rel,
      deps.filter((d) => files.includes(d)),
    );
    for (const f of longFunctions(text)) violations.push(`length: src/${rel}:${f.line} ${f.name} is ${f.length} lines (at most ${MAX_FUNCTION_LINES})`);
    checks++;
  }
  for (const c of cyclesOf(graph)) violations.push(`cycle: ${c.map((f) => `src/${f}`).join(' <-> ')}`);
  checks++;
  return { checks, violations, graph };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const rootArg = args.indexOf('--root');
  const root = rootArg >= 0 ? path.resolve(args[rootArg + 1]) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { checks, violations, graph } = checkTree(root);
  if (args.includes('--graph')) {
    const rooms = new Map();
    for (const [f, deps] of graph)
      for (const d of deps) if (roomOf(f) !== roomOf(d)) rooms.set(`${roomOf(f)} -> ${roomOf(d)}`, (rooms.get(`${roomOf(f)} -> ${roomOf(d)}`) ?? 0) + 1);
    for (const [k, n] of [...rooms].sort()) console.log(`${k} (${n})`);
  }
  for (const v of violations) console.log(v);
  console.log(`check-layers: ${checks - violations.length} checks passed, ${violations.length} failed`);
  process.exit(violations.length ? 1 : 0);
}
