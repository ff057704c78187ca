import { join } from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { warn, type RunContext, type StagedFile } from '../core/context.ts';
import { ENCRYPTION_KEY_GUIDANCE } from '../core/manifest.ts';

export { ENCRYPTION_KEY_GUIDANCE } from '../core/manifest.ts';

/** Held in memory and streamed into the archive: a secret never touches the staging folder (issue 12). */
function writeSecret(ctx: RunContext, name: string, content: string): StagedFile {
  const file = join(ctx.staging.local, 'Secrets', name);
  return { archivePath: `Secrets/${name}`, localPath: file, content: Buffer.from(content, 'utf8'), kind: 'secret', node: ctx.controller.name };
}

/** REQ-3.2.1/3.2.2: the controller token and the embedded MongoDB passwords, masked from here on. Returns the files written. */
export async function exportSecrets(ctx: RunContext): Promise<StagedFile[]> {
  const files: StagedFile[] = [];
  const exe = ctx.config.ServerConfiguration.AlteryxServicePath;
  const tok = await ctx.platform.alteryx.run(ctx.controller, exe, 'getserversecret');
  const token = tok.stdout.trim().split(/\r?\n/).pop()?.trim() ?? '';
  ctx.log.masker.add(token);
  if (tok.exitCode !== 0 || !token) {
    throw new BackupError(
      ExitCode.General,
      `AlteryxService.exe getserversecret failed (exit code ${tok.exitCode}): ${ctx.log.masker.mask(tok.stderr.trim() || 'no token printed')}.`,
      'Run the backup as Administrator on the controller.',
    );
  }
  if (!/^[0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{64}$/.test(token)) {
    warn(ctx, `The controller token has an unexpected form (${token.length} characters; 64 hex since 2021.4, 40 before); it is saved as printed`);
  }
  files.push(writeSecret(ctx, 'ControllerToken.txt', token + '\r\n'));
  ctx.log.info(`Controller token exported to Secrets/ControllerToken.txt (${token.length} characters)`);

  // realworld (issue 13): only an embedded MongoDB has passwords to export (not SQL Server, SQLite).
  if (ctx.config.FilesConfiguration.BackupMongoPasswords && (ctx.persistence?.kind ?? ctx.mongo.type) === 'embedded') {
    const pw = await ctx.platform.alteryx.run(ctx.controller, exe, 'getemongopassword');
    const lines = pw.stdout.split(/\r?\n/);
    for (const line of lines) {
      const m = /^\s*(?:Non-)?Admin:\s*(\S+)/.exec(line);
      if (m) ctx.log.masker.add(m[1]);
    }
    if (pw.exitCode !== 0 || !lines.some((l) => /^\s*Admin:/.test(l))) {
      warn(ctx, `AlteryxService.exe getemongopassword gave no "Admin:" line (exit code ${pw.exitCode}); MongoPasswords.txt not written`);
    } else {
      files.push(
        writeSecret(
          ctx,
          'MongoPasswords.txt',
          lines
            .filter((l) => /Admin:/.test(l))
            .map((l) => l.trim())
            .join('\r\n') + '\r\n',
        ),
      );
      ctx.log.info('MongoDB passwords exported to Secrets/MongoPasswords.txt');
    }
  }
  ctx.log.info(ENCRYPTION_KEY_GUIDANCE);
  return files;
}
