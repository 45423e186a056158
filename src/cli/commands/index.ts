import type { Command } from 'commander';
import { register as registerInit } from './init.js';
import { register as registerRun } from './run.js';
import { register as registerTest } from './test.js';
import { register as registerCompile } from './compile.js';
import { register as registerDemo } from './demo.js';
import { register as registerIdentity } from './identity.js';
import { register as registerIdentityModel } from './identity-model.js';
import { register as registerAudience } from './audience.js';
import { register as registerServe } from './serve.js';
import { register as registerUser } from './user.js';
import { register as registerSync } from './sync.js';
import { register as registerPrivacy } from './privacy.js';
import { register as registerSecrets } from './secrets.js';
import { register as registerSeed, registerSnapshot } from './seed.js';
import { register as registerBuild } from './build.js';
import { register as registerLs } from './ls.js';
import { register as registerSource } from './source.js';
import { register as registerPredict } from './predict.js';

/** Each command lives in its own file and adds itself to the program. */
export function registerCommands(program: Command): void {
  for (const register of [registerInit, registerRun, registerTest, registerCompile, registerDemo, registerIdentity, registerIdentityModel, registerAudience, registerServe, registerUser, registerSync, registerPrivacy, registerSecrets, registerSeed, registerSnapshot, registerBuild, registerLs, registerSource, registerPredict]) {
    register(program);
  }
}
