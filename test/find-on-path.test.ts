import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findOnPath } from '../src/util/fsx.ts';
import { tempDir } from './helpers/tmp.ts';

test('PATH entries in quotes are found, as Windows allows them', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'mongorestore.exe'), '');
  t.is(findOnPath('mongorestore', { Path: `C:\\nowhere;"${dir}"` }, 'win32'), join(dir, 'mongorestore.exe'));
});

test('Windows: the extensions of PATHEXT, in its order; a name with an extension is taken as it is', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'tool.cmd'), '');
  writeFileSync(join(dir, 'tool.exe'), '');
  t.is(findOnPath('tool', { PATH: dir, PATHEXT: '.COM;.EXE;.CMD' }, 'win32'), join(dir, 'tool.exe'));
  t.is(findOnPath('tool', { PATH: dir, PATHEXT: '.CMD;.EXE' }, 'win32'), join(dir, 'tool.cmd'));
  t.is(findOnPath('tool.cmd', { PATH: dir }, 'win32'), join(dir, 'tool.cmd'));
  t.is(findOnPath('tool', { PATH: dir, PATHEXT: '.BAT' }, 'win32'), undefined);
});

test('elsewhere: the bare name or name.exe on a colon-separated PATH', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'mongod'), '');
  t.is(findOnPath('mongod', { PATH: `/nowhere:${dir}` }, 'linux'), join(dir, 'mongod'));
  t.is(findOnPath('absent', { PATH: dir }, 'linux'), undefined);
});
