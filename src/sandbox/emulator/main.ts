// The emulated executables of the Alteryx sandbox (bundled to module/AlteryxBackup/lib/sandbox-emulator.mjs).
// Started by the shims createSandbox writes:
//   node sandbox-emulator.mjs <AlteryxService|AlteryxEngineCmd|mongod|mongodump|mongorestore> --sandbox DIR --node NAME [args...]
import { describeError } from '../../core/errors.ts';
import { alteryxService } from './alteryx-service.ts';
import { engineCmd } from './engine-cmd.ts';
import { mongod } from './mongod.ts';
import { mongodump, mongorestore } from './mongo-tools.ts';

async function main(argv: string[]): Promise<number> {
  const [tool, ...rest] = argv;
  let dir: string | undefined;
  let node: string | undefined;
  while (rest[0] === '--sandbox' || rest[0] === '--node') {
    const k = rest.shift();
    const v = rest.shift();
    if (k === '--sandbox') dir = v;
    else node = v;
  }
  if (!tool || !dir || !node) {
    process.stderr.write('usage: sandbox-emulator.mjs <AlteryxService|AlteryxEngineCmd|mongod|mongodump|mongorestore> --sandbox DIR --node NAME [args...]\n');
    return 1;
  }
  const io = {
    out: (s: string) => void process.stdout.write(s),
    err: (s: string) => void process.stderr.write(s),
    stdout: process.stdout,
    stdin: process.stdin,
  };
  switch (tool) {
    case 'AlteryxService':
      return alteryxService(dir, node, rest, io);
    case 'AlteryxEngineCmd':
      return engineCmd(dir, node, rest, io);
    case 'mongod':
      return mongod(dir, node, rest, io);
    case 'mongodump':
      return mongodump(dir, node, rest, io);
    case 'mongorestore':
      return mongorestore(dir, node, rest, io);
    default:
      process.stderr.write(`sandbox-emulator: unknown tool ${tool}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${describeError(err)}\n`);
    process.exitCode = 1;
    // A listening mongod would keep the process alive: end it.
    if (process.argv[2] === 'mongod') process.exit(1);
  },
);
