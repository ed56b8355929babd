// The fixture lives in the package's testing entry point (`@fraud/scorer/testing`), shared with other packages' tests.
export { makeTransactions, trainTinyModel, type TinyModel } from '../src/testing/model-fixture.ts';
