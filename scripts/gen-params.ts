// Writes the param() blocks of Invoke-AlteryxBackup (the cmdlet) and of its script form from the one parameter
// table, src/config/params.ts.
//
//   npx tsx scripts/gen-params.ts           # rewrite both blocks (npm run gen:params)
//   npx tsx scripts/gen-params.ts --check   # exit 1 when a block differs from the table
//   npx tsx scripts/gen-params.ts --json    # print the table as JSON (pester/Parameters.Tests.ps1 reads it)
//
// Each block sits between a BEGIN and an END marker line; everything else in the files is written by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKUP_PARAMETERS, type ParameterSpec } from '../src/config/params.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type Form = 'cmdlet' | 'script';
export const FILES: Record<Form, string> = {
  cmdlet: path.join(ROOT, 'module', 'AlteryxBackup', 'Public', 'Invoke-AlteryxBackup.ps1'),
  script: path.join(ROOT, 'module', 'AlteryxBackup', 'Invoke-AlteryxBackup.ps1'),
};
export const BEGIN = '# BEGIN generated parameters: src/config/params.ts via scripts/gen-params.ts (npm run gen:params). Edit the table, not this block.';
export const END = '# END generated parameters.';

/** The script form's own switch, not a backup setting. */
const SCRIPT_HELP: ParameterSpec = {
  name: 'Help',
  psType: 'switch',
  help: 'Print Get-Help Invoke-AlteryxBackup -Full and exit 0.',
  description: 'Print Get-Help Invoke-AlteryxBackup -Full and exit 0.',
};

/** The parameters of one form, in order. */
export function parametersOf(form: Form): ParameterSpec[] {
  const own = BACKUP_PARAMETERS.filter((p) => !p.requestOnly && !(form === 'script' && p.cmdletOnly));
  return form === 'script' ? [...own, SCRIPT_HELP] : own;
}

const TYPES: Record<ParameterSpec['psType'], string> = {
  string: '[string]',
  'string[]': '[string[]]',
  int: '[int]',
  switch: '[switch]',
  SecureString: '[System.Security.SecureString]',
  PSCredential: '[System.Management.Automation.PSCredential]',
};

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const literal = (v: string | number) => (typeof v === 'number' ? String(v) : quote(v));

/** Words of a help text as comment lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function renderOne(p: ParameterSpec, form: Form, pad: string): string[] {
  const cmdlet = form === 'cmdlet';
  const out = wrap(cmdlet ? p.description : p.help, 100).map((l) => `${pad}# ${l}`);
  if (cmdlet && p.parameterSet) out.push(`${pad}[Parameter(ParameterSetName = ${quote(p.parameterSet)})]`);
  // Both forms take the earlier names, so that scheduled tasks written with them keep working. Validation is
  // the cmdlet's only: the script form takes plain values and turns what the cmdlet refuses into exit code 3.
  if (p.aliases?.length) out.push(`${pad}[Alias(${p.aliases.map(quote).join(', ')})]`);
  if (cmdlet && p.validateSet) out.push(`${pad}[ValidateSet(${p.validateSet.map(quote).join(', ')})]`);
  if (cmdlet && p.range) out.push(`${pad}[ValidateRange(${p.range[0]}, ${p.range[1]})]`);
  if (cmdlet && p.notEmpty) out.push(`${pad}[ValidateNotNullOrEmpty()]`);
  if (p.defaultHelp) out.push(`${pad}[PSDefaultValue(Help = ${quote(p.defaultHelp)})]`);
  if (p.psType === 'PSCredential' && cmdlet) {
    out.push(`${pad}${TYPES[p.psType]}`, `${pad}[System.Management.Automation.Credential()]`);
    out.push(`${pad}$${p.name}`);
  } else {
    out.push(`${pad}${TYPES[p.psType]} $${p.name}${p.default === undefined ? '' : ` = ${literal(p.default)}`}`);
  }
  return out;
}

/** The generated block, markers included, indented as the form's file needs. */
export function renderBlock(form: Form): string {
  const outer = form === 'cmdlet' ? '    ' : '';
  const pad = `${outer}    `;
  const params = parametersOf(form).map((p) => renderOne(p, form, pad).join('\n'));
  return [`${outer}${BEGIN}`, `${outer}param(`, params.join(',\n\n'), `${outer})`, `${outer}${END}`].join('\n');
}

/** The block currently in a file (markers included), or undefined. */
export function currentBlock(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.trim() === BEGIN);
  const end = lines.findIndex((l, i) => i > begin && l.trim() === END);
  if (begin < 0 || end < 0) return undefined;
  return lines.slice(begin, end + 1).join('\n');
}

function main(argv: string[]): number {
  if (argv.includes('--json')) {
    const forms = Object.fromEntries(
      (['cmdlet', 'script'] as Form[]).map((f) => [f, parametersOf(f).map(({ config, ...rest }) => ({ ...rest, configKey: config ? config.flag : null }))]),
    );
    process.stdout.write(`${JSON.stringify(forms, null, 2)}\n`);
    return 0;
  }
  const check = argv.includes('--check');
  let stale = 0;
  for (const form of ['cmdlet', 'script'] as Form[]) {
    const file = FILES[form];
    const text = readFileSync(file, 'utf8');
    const block = currentBlock(text);
    if (block === undefined) {
      console.error(`gen-params: ${file} has no "${BEGIN}" ... "${END}" block.`);
      return 1;
    }
    const wanted = renderBlock(form);
    if (block === wanted) continue;
    if (check) {
      console.error(`gen-params: the parameters of ${path.relative(ROOT, file)} differ from src/config/params.ts; run npm run gen:params.`);
      stale += 1;
    } else {
      writeFileSync(file, text.replace(block, wanted));
      console.log(`gen-params: wrote ${path.relative(ROOT, file)}`);
    }
  }
  return stale ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
