import { describe, expect, it } from 'vitest';
import { ProtoWriter } from '../../src/onnx/protobuf.ts';
import { encodeModel } from '../../src/onnx/onnx-proto.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('ProtoWriter (values from the protobuf encoding guide)', () => {
  it('writes varints little-endian base 128', () => {
    // field 1, varint 150 -> 08 96 01 (the guide's own example)
    expect(hex(new ProtoWriter().varintField(1, 150).finish())).toBe('089601');
    expect(hex(new ProtoWriter().varintField(2, 300).finish())).toBe('10ac02');
    expect(hex(new ProtoWriter().varintField(1, 0).finish())).toBe('0800');
  });

  it("writes negative int64 as ten bytes of two's complement", () => {
    expect(hex(new ProtoWriter().varintField(1, -1).finish())).toBe('08ffffffffffffffffff01');
  });

  it('writes strings and nested messages length-delimited', () => {
    // field 2 "testing" -> 12 07 74 65 73 74 69 6e 67
    expect(hex(new ProtoWriter().stringField(2, 'testing').finish())).toBe('120774657374696e67');
    // field 3 { field 1: 150 } -> 1a 03 08 96 01
    expect(hex(new ProtoWriter().messageField(3, (w) => w.varintField(1, 150)).finish())).toBe('1a03089601');
  });

  it('writes floats as fixed32 and repeated scalars packed', () => {
    expect(hex(new ProtoWriter().floatField(2, 1).finish())).toBe('150000803f');
    // field 4 packed [3, 270, 86942] -> 22 06 03 8e 02 9e a7 05
    expect(hex(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish())).toBe('2206038e029ea705');
    expect(hex(new ProtoWriter().packedFloats(7, [1, -2]).finish())).toBe('3a080000803f000000c0');
  });

  it('grows past its initial buffer', () => {
    const long = 'x'.repeat(5000);
    const out = new ProtoWriter().stringField(1, long).finish();
    expect(out.length).toBe(1 + 2 + 5000);
  });
});

describe('encodeModel', () => {
  it('starts with ir_version and names the opsets', () => {
    const bytes = encodeModel({
      irVersion: 8,
      opsets: [{ domain: 'ai.onnx.ml', version: 3 }],
      producerName: 'p',
      producerVersion: '1',
      docString: '',
      graphName: 'g',
      nodes: [],
      inputs: [],
      outputs: [],
      metadata: { k: 'v' },
    });
    expect(hex(bytes.subarray(0, 2))).toBe('0808');
    const text = Buffer.from(bytes).toString('latin1');
    expect(text).toContain('ai.onnx.ml');
    // metadata_props (field 14, wire type 2 -> key 0x72) holding key "k" and value "v"
    expect(hex(bytes)).toContain('7206' + '0a016b' + '120176');
  });
});
