import type { Label, ModelUpdate, ScoredTransaction } from '@fraud/schemas';

/**
 * The slice of the schemas package's codecs the sinks use. Declared here (structurally equal to
 * @fraud/schemas' Codec<T>) so the sinks take codecs as an injected dependency and tests can
 * hand in the real ones. decode() rejects with a FraudError (DECODE_*) on bad bytes.
 */
export interface Codec<T> {
  encode(value: T): Buffer;
  decode(buf: Buffer): Promise<T>;
}

export interface SinkCodecs {
  scored: Codec<ScoredTransaction>;
  label: Codec<Label>;
  modelUpdate: Codec<ModelUpdate>;
}
