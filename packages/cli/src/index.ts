export { main, type Io } from './main.js';
export { exitCodeOf } from './commands/run.js';
export { describeOptions } from './commands/plugins.js';
export { builtinRegistry, BUILTIN_PLUGINS } from './shared.js';
export { renderGeneratedModules } from './precompiled.js';
export { renderConfigReference } from './reference.js';
