// src/util/exec.ts with real child processes (node itself): the typed ExecError for every way a child
// fails, redaction of argument values, and the output cap (maxBuffer) against a chatty child.
import test from 'ava';
import { ExecError, describeCommand, runChecked, runProcess } from '../src/util/exec.ts';

const node = process.execPath;

test('exit 0: no error, output collected, not truncated', async (t) => {
  const r = await runProcess(node, ['-e', 'process.stdout.write("out"); process.stderr.write("err")']);
  t.is(r.exitCode, 0);
  t.is(r.stdout, 'out');
  t.is(r.stderr, 'err');
  t.is(r.error, undefined);
  t.falsy(r.truncated);
});

test('a non-zero exit: ExecError with the command, the exit code and the tails of both streams', async (t) => {
  const r = await runProcess(node, ['-e', 'console.log("first"); console.error("boom: disk full"); process.exit(3)']);
  t.is(r.exitCode, 3);
  t.true(r.error instanceof ExecError);
  const e = r.error!;
  t.is(e.failure, 'exit');
  t.is(e.exitCode, 3);
  t.is(e.signal, undefined);
  t.is(e.command.split(' ')[0], node);
  t.regex(e.stdoutTail, /first/);
  t.regex(e.stderrTail, /boom: disk full/);
  t.regex(e.message, /ended with exit code 3: boom: disk full/);
});

test('a child ended by a signal: failure signal, no exit code', async (t) => {
  const r = await runProcess(node, ['-e', 'process.kill(process.pid, "SIGKILL")']);
  t.is(r.signal, 'SIGKILL');
  t.is(r.error?.failure, 'signal');
  t.is(r.error?.exitCode, null);
  t.is(r.error?.signal, 'SIGKILL');
  t.regex(r.error!.message, /was ended by SIGKILL/);
});

test('a timeout kills the child: failure timeout', async (t) => {
  const r = await runProcess(node, ['-e', 'setInterval(() => {}, 1000)'], { timeoutMs: 300 });
  t.is(r.error?.failure, 'timeout');
  t.is(r.error?.signal, 'SIGKILL');
  t.regex(r.error!.message, /timed out and was killed/);
});

test('no such executable: failure spawn, exit code 127 as before', async (t) => {
  const r = await runProcess('/nonexistent/definitely-not-here', ['x']);
  t.is(r.exitCode, 127);
  t.is(r.error?.failure, 'spawn');
  t.is(r.error?.exitCode, null);
  t.regex(r.stderr, /ENOENT/);
  t.regex(r.error!.message, /could not be started/);
});

test('argument values after = are redacted in the command (setserversecret=<token>)', async (t) => {
  t.is(describeCommand('AlteryxService.exe', ['setserversecret=s3cr3t-token', 'getversion']), 'AlteryxService.exe setserversecret=*** getversion');
  const r = await runProcess(node, ['-e', 'process.exit(2)', '--', 'setserversecret=s3cr3t-token']);
  t.truthy(r.error);
  t.false(r.error!.message.includes('s3cr3t-token'));
  t.false(r.error!.command.includes('s3cr3t-token'));
});

test('runChecked throws the ExecError, and resolves for exit 0', async (t) => {
  const ok = await runChecked(node, ['-e', 'process.stdout.write("fine")']);
  t.is(ok.stdout, 'fine');
  const err = await t.throwsAsync(runChecked(node, ['-e', 'process.exit(4)']), { instanceOf: ExecError });
  t.is(err?.exitCode, 4);
});

test('maxBuffer: a chatty child (about 24 MB on stdout) keeps running; the newest output up to the cap is kept', async (t) => {
  const cap = 1024 * 1024;
  // 24 chunks of 1 MB of "x", each ended by a numbered marker; the last marker must survive, the first not.
  const script =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the child's JavaScript source, run with node -e
    'const s = "x".repeat(1024 * 1024); let i = 0; const w = () => { while (i < 24) { const ok = process.stdout.write(s + `#${i++}#`); if (!ok) return process.stdout.once("drain", w); } process.stdout.write("END"); }; w();';
  const r = await runProcess(node, ['-e', script], { maxBuffer: cap });
  t.is(r.exitCode, 0);
  t.true(r.truncated);
  t.true(r.stdout.length <= cap, `kept ${r.stdout.length} characters, cap ${cap}`);
  t.true(r.stdout.endsWith('#23#END'));
  t.false(r.stdout.includes('#0#'));
});
