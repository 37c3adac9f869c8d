import { initSandbox, type SandboxInitOptions, type SandboxPaths } from '../../src/sandbox/init.js';
import { readState, updateState, type SandboxState } from '../../src/sandbox/state.js';

export interface TestSandbox extends SandboxPaths {
  /** Changes the simulated world (as an operator editing state.json would). */
  edit(change: (state: SandboxState) => void): void;
  read(): SandboxState;
}

export function makeSandbox(dir: string, options: SandboxInitOptions = {}): TestSandbox {
  const paths = initSandbox(dir, options);
  return {
    ...paths,
    edit: (change) => updateState(paths.dir, change),
    read: () => readState(paths.dir),
  };
}
