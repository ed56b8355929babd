import config from '@fraud/eslint-config';

export default config;
