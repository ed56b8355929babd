/**
 * `@fraud/scorer/testing`: the scorer's integration harness and model fixture, for the tests and
 * benchmarks of other packages (api, corpus, bench). Test code only: nothing here runs in a service.
 */
export { createPipeline, committedTotal, testRegistryUrl, REPO_ROOT, type Pipeline } from './pipeline.ts';
export { makeTransactions, trainTinyModel, trainTinyModelOn, type TinyModel } from './model-fixture.ts';
export { comparableState } from './state-compare.ts';
