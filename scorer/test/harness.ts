// The harness lives in the package's testing entry point (`@fraud/scorer/testing`), shared with other packages' tests.
export { createPipeline, committedTotal, REPO_ROOT, type Pipeline } from '../src/testing/pipeline.ts';
