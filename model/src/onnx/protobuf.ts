/**
 * A minimal protocol-buffers writer: enough for the ONNX messages we emit.
 * Wire format: each field is a varint key (field_number << 3 | wire_type) followed by
 *   wire type 0 (varint)            int32/int64/enum/bool, base-128 little-endian
 *   wire type 2 (length-delimited)  varint length + bytes (strings, bytes, messages, packed)
 *   wire type 5 (32-bit)            float, little-endian
 * Repeated scalars are written packed (wire type 2); proto2 parsers accept packed and
 * unpacked encodings alike.
 */
const encoder = new TextEncoder();

export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** Field with an int32/int64/enum value (negative values as 10-byte two's complement). */
  varintField(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, encoder.encode(value));
  }

  bytesField(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(value.length));
    this.raw(value);
    return this;
  }

  floatField(field: number, value: number): this {
    this.key(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  messageField(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
    return this.bytesField(field, bytes);
  }

  packedVarints(field: number, values: ArrayLike<number>): this {
    const inner = new ProtoWriter();
    for (let i = 0; i < values.length; i++) inner.varint(BigInt(values[i] ?? 0));
    return this.bytesField(field, inner.finish());
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  private varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    this.ensure(10);
    // Fast path for the common small non-negative values.
    if (v < 0x80n) {
      this.buf[this.len++] = Number(v);
      return;
    }
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}
