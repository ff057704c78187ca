import fs from 'node:fs';
import path from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { emulatorBundlePath } from './layout.ts';

/**
 * The emulated executables of a sandbox (AlteryxService.exe, mongod.exe, mongodump, mongorestore), written
 * where the real ones would be. POSIX: a shell shim. Windows: a copy of sandbox-launcher.exe (built from
 * src/sandbox/launcher/launcher.c by the release, in lib/ beside the emulator bundle) and, beside it, the
 * `.launch` file it reads (one argument a line: this node.exe, the emulator bundle, the tool, the sandbox,
 * the node), so that the core spawns a real .exe exactly as it spawns the real tool.
 */
export function writeToolExecutable(file: string, tool: string, dir: string, node: string, platform: NodeJS.Platform = process.platform): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (platform !== 'win32') {
    fs.writeFileSync(file, shimScript(tool, dir, node), { mode: 0o755 });
    fs.chmodSync(file, 0o755);
    return file;
  }
  const exe = /\.exe$/i.test(file) ? file : `${file}.exe`;
  fs.copyFileSync(launcherExePath(), exe);
  fs.writeFileSync(exe.replace(/\.exe$/i, '.launch'), launchFile(tool, dir, node));
  return exe;
}

/** The `.launch` file of a launcher copy (UTF-8, one argument a line). */
export function launchFile(tool: string, dir: string, node: string): string {
  const args = [process.execPath, emulatorBundlePath(), tool, '--sandbox', dir, '--node', node];
  for (const a of args) {
    if (/[\r\n]/.test(a))
      throw new BackupError(
        ExitCode.Validation,
        `The sandbox path or node name ${JSON.stringify(a)} holds a line break.`,
        'Choose a path without line breaks.',
      );
  }
  return args.join('\r\n') + '\r\n';
}

/** sandbox-launcher.exe beside the emulator bundle; ALTERYX_SANDBOX_LAUNCHER overrides. */
export function launcherExePath(): string {
  const exe = process.env['ALTERYX_SANDBOX_LAUNCHER'] ?? path.join(path.dirname(emulatorBundlePath()), 'sandbox-launcher.exe');
  if (!fs.existsSync(exe)) {
    throw new BackupError(
      ExitCode.General,
      `The sandbox launcher ${exe} is missing: on Windows the sandbox's emulated AlteryxService.exe and MongoDB tools are copies of it.`,
      'Reinstall the module from the release zip (it ships lib/sandbox-launcher.exe), or in a source checkout run `npm run release`.',
    );
  }
  return exe;
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A POSIX shell shim that runs the emulator bundle for one tool. */
export function shimScript(tool: string, dir: string, node: string): string {
  return (
    `#!/bin/sh\n# Emulated ${tool} of the Alteryx sandbox ${dir} (node ${node}); see docs/sandbox.md.\n` +
    `exec ${shQuote(process.execPath)} ${shQuote(emulatorBundlePath())} ${tool} --sandbox ${shQuote(dir)} --node ${shQuote(node)} "$@"\n`
  );
}
