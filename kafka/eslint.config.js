import config from '@fraud/eslint-config';

// This package is the one place that imports kafkajs (every other package imports @fraud/kafka).
export default [...config, { rules: { 'no-restricted-imports': 'off' } }];
