export { main, type Io } from './main.js';
export { exitCodeOf } from './commands/run.js';
export { describeOptions } from './commands/plugins.js';
export { builtinRegistry } from './shared.js';
export { renderConfigReference } from './reference.js';
