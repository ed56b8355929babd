// Kafka's default key partitioner lives in common/ (the kafka/ package uses it too).
export { murmur2, murmur2Partition } from '@fraud/common';
