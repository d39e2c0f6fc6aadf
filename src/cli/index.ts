/**
 * src/cli: commander entry points for `vroute`. Parsing and printing only; each
 * subcommand is a module under ./commands that calls into the layer that does the work.
 */
export { main, buildProgram } from './main';
