import { join } from 'node:path';
import { BackupError, ExitCode } from '../core/errors.ts';
import { warn, type RunContext } from '../core/context.ts';

/** Alteryx's guidance on the encryption key, written to the log and the manifest (REQ-3.2.3). */
export const ENCRYPTION_KEY_GUIDANCE =
  'Alteryx Server encrypts stored credentials and DCM connections with keys held on the controller. To restore on a new host you need the controller token (ControllerToken.txt, restored with "AlteryxService.exe setserversecret=<token>") and the Keys folder from C:\\ProgramData\\Alteryx\\Keys. Keep a copy of the controller token outside this archive (for example in your password vault): without it the stored credentials in the Gallery cannot be decrypted.';

/** Held in memory and streamed into the archive: a secret never touches the staging folder (issue 12). */
async function writeSecret(ctx: RunContext, name: string, content: string): Promise<void> {
  const file = join(ctx.staging.local, 'Secrets', name);
  ctx.files.push({ archivePath: `Secrets/${name}`, localPath: file, content: Buffer.from(content, 'utf8'), kind: 'secret', node: ctx.controller.name });
}

/** REQ-3.2.1/3.2.2: the controller token and the embedded MongoDB passwords, masked from here on. */
export async function exportSecrets(ctx: RunContext): Promise<void> {
  const exe = ctx.config.ServerConfiguration.AlteryxServicePath;
  const tok = await ctx.platform.alteryx.run(ctx.controller, exe, 'getserversecret');
  const token = tok.stdout.trim().split(/\r?\n/).pop()?.trim() ?? '';
  ctx.log.masker.add(token);
  if (tok.exitCode !== 0 || !token) {
    throw new BackupError(ExitCode.General, `AlteryxService.exe getserversecret failed (exit code ${tok.exitCode}): ${ctx.log.masker.mask(tok.stderr.trim() || 'no token printed')}.`, 'Run the backup as Administrator on the controller.');
  }
  if (!/^[0-9A-Fa-f]{40}$|^[0-9A-Fa-f]{64}$/.test(token)) {
    warn(ctx, `The controller token has an unexpected form (${token.length} characters; 64 hex since 2021.4, 40 before); it is saved as printed`);
  }
  await writeSecret(ctx, 'ControllerToken.txt', token + '\r\n');
  ctx.log.info(`Controller token exported to Secrets/ControllerToken.txt (${token.length} characters)`);

  if (ctx.config.FilesConfiguration.BackupMongoPasswords && ctx.mongo.type === 'embedded') {
    const pw = await ctx.platform.alteryx.run(ctx.controller, exe, 'getemongopassword');
    const lines = pw.stdout.split(/\r?\n/);
    for (const line of lines) {
      const m = /^\s*(?:Non-)?Admin:\s*(\S+)/.exec(line);
      if (m) ctx.log.masker.add(m[1]);
    }
    if (pw.exitCode !== 0 || !lines.some((l) => /^\s*Admin:/.test(l))) {
      warn(ctx, `AlteryxService.exe getemongopassword gave no "Admin:" line (exit code ${pw.exitCode}); MongoPasswords.txt not written`);
    } else {
      await writeSecret(ctx, 'MongoPasswords.txt', lines.filter((l) => /Admin:/.test(l)).map((l) => l.trim()).join('\r\n') + '\r\n');
      ctx.log.info('MongoDB passwords exported to Secrets/MongoPasswords.txt');
    }
  }
  ctx.secretsCaptured = true;
  ctx.log.info(ENCRYPTION_KEY_GUIDANCE);
}
