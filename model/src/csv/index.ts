export * from './paysim.ts';
