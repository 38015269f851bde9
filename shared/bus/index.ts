/** The farm's bus: NATS names, message schemas, connecting, and the JetStream resources. */
export * from "./names.js";
export * from "./messages.js";
export { decodeLogLine, decodeLogLineKeepingEncoding, encodeLogText, logLineHeaders, measureLogLine, type LogPayload } from "./log-line-wire.js";
export { BROTLI_TEXT, LZ4_TEXT, READABLE_TEXT_ENCODINGS, decompressLogText, type EncodedLogText, type LogTextEncoding } from "./log-text-codec.js";
export { connectBus, connectArtifactStore, BusConnectError, type ArtifactStoreConnection, type Bus, type BusConnectOptions } from "./connect.js";
export {
  ensureFarmResources,
  ensureJobConsumer,
  missingFarmResources,
  FarmResourceError,
  DEFAULT_OUTPUT_MAX_AGE_MS,
  kvStreamName,
  type FarmResourceOptions,
  type JobConsumerOptions,
} from "./resources.js";
export { objectMetaSubject, purgeObject } from "./object-purge.js";
export { getObject, ObjectReadError, type ObjectGetOptions, type ObjectReader, type ObjectSource } from "./object-get.js";
export { putObject, type ObjectPutOptions, type ObjectStoreTarget, type PutObjectInfo } from "./object-put.js";
export { publishDurably, DurablePublishError, type DurablePublishOptions } from "./publish.js";
export { isBusOutage, reasonOf, BusStalledError } from "./outage.js";
export { retryOnOutage, settlesWithin, BusRetryError, type RetryOptions } from "./retry.js";
export {
  changeRecord,
  listKeys,
  readRecord,
  removeMarker,
  removeRecords,
  isWrongRevision,
  RecordConflictError,
  type RecordChangeOptions,
  type RecordChangeResult,
  type RecordDecoder,
  type RecordMarker,
  type StoredRecord,
} from "./records.js";
export { sealJobSpec, storeSealedSpec, openJobSpec, StoredSpecError, type SealedSpec } from "./job-spec-store.js";
