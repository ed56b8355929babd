export { buildProgram, type BuiltProgram } from './program.ts';
