/**
 * The Kafka layer: the only package that imports kafkajs. Everything else imports the client,
 * its types and the shared Kafka building blocks from here.
 */
import kafkajs from 'kafkajs';
import { rememberCoordinators } from './coordinators.ts';

// Every client of this process remembers its coordinators (see coordinators.ts: kafkajs asks again
// before each transactional request).
rememberCoordinators();
export { coordinatorLookups, forgetCoordinators, REMEMBER_MS } from './coordinators.ts';

export { Kafka, logLevel, CompressionTypes, Partitioners, PartitionAssigners } from 'kafkajs';
/**
 * kafkajs is CommonJS and Node's ESM loader sees only some of its named exports (not these
 * enums), so they are read off its default export.
 */
export const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ResourcePatternTypes } =
  kafkajs;
export type AclOperationTypes = kafkajs.AclOperationTypes;
export type AclPermissionTypes = kafkajs.AclPermissionTypes;
export type AclResourceTypes = kafkajs.AclResourceTypes;
export type ConfigResourceTypes = kafkajs.ConfigResourceTypes;
export type ResourcePatternTypes = kafkajs.ResourcePatternTypes;
export type {
  Admin,
  Consumer,
  ConsumerConfig,
  EachBatchPayload,
  EachMessagePayload,
  IHeaders,
  ITopicConfig,
  KafkaConfig,
  KafkaMessage,
  Message,
  PartitionAssigner,
  PartitionerArgs,
  Producer,
  ProducerConfig,
  ProducerRecord,
  RecordMetadata,
  TopicMessages,
  TopicPartitionOffsetAndMetadata,
  Transaction,
} from 'kafkajs';
export { createKafka, kafkaLogCreator, withAdminRetry } from './client.ts';
export { watchConsumerDeath, type CrashEmitter } from './consumer-death.ts';
export { withDeadline } from './deadline.ts';
export {
  DLQ_HEADERS,
  createDlqWriter,
  fromDlqMessage,
  toDlqMessage,
  withoutDlqHeaders,
  type DeadLetter,
  type DlqMessage,
  type DlqWriter,
  type DlqWriterDeps,
  type ReceivedDeadLetter,
} from './dlq.ts';
export { followTopic, readToEnd, type FollowTopicOptions, type TopicFollower } from './follower.ts';
export { firstHeader, type LocatedRecord, type RawRecord } from './records.ts';
export {
  OWNER_ASSIGNER_NAME,
  OWNER_ASSIGNER_VERSION,
  decodeDecideUrl,
  ownerAssigner,
  partitionFor,
  readOwners,
  type OwnerMap,
  type OwnerUserData,
  type PartitionOwner,
} from './owners.ts';
export { startMetricsServer, type MetricsServer, type MetricsServerOptions } from './metrics-server.ts';
export {
  consumerConfig,
  producerConfig,
  snapshotTopicConfig,
  entityEventsTopicConfig,
  type ConsumerPreset,
  type ProducerPreset,
} from './presets.ts';
export {
  MAX_REQUEST_BYTES,
  byRequestSize,
  openPartitionTransactor,
  type OutMessage,
  type PartitionTransactor,
  type PartitionTransactorOptions,
  type TransactionalWrite,
} from './transactional.ts';
