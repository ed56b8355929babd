/**
 * The subset of onnx.proto (proto2, github.com/onnx/onnx/blob/main/onnx/onnx.proto) we write.
 * Field numbers used:
 *   ModelProto      ir_version=1 producer_name=2 producer_version=3 domain=4 model_version=5
 *                   doc_string=6 graph=7 opset_import=8 metadata_props=14
 *   OperatorSetId   domain=1 version=2
 *   StringString    key=1 value=2
 *   GraphProto      node=1 name=2 doc_string=10 input=11 output=12
 *   NodeProto       input=1 output=2 name=3 op_type=4 attribute=5 domain=7
 *   AttributeProto  name=1 f=2 i=3 s=4 floats=7 ints=8 strings=9 type=20
 *   ValueInfoProto  name=1 type=2
 *   TypeProto       tensor_type=1 -> Tensor elem_type=1 shape=2 -> Shape dim=1
 *                   -> Dimension dim_value=1 dim_param=2
 */
import { ProtoWriter } from './protobuf.ts';

export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
export const ElemType = { FLOAT: 1, INT64: 7 } as const;

export type Attribute =
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'floats'; value: ArrayLike<number> }
  | { name: string; kind: 'ints'; value: ArrayLike<number> }
  | { name: string; kind: 'strings'; value: readonly string[] };

export interface NodeSpec {
  opType: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
}

export interface ValueInfo {
  name: string;
  elemType: number;
  /** A number is a fixed size, a string a symbolic dimension (e.g. "N"). */
  dims: (number | string)[];
}

export interface ModelSpec {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graphName: string;
  nodes: NodeSpec[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  metadata: Record<string, string>;
}

const encoder = new TextEncoder();

/** AttributeProto.type (field 20) of each kind of value. */
const ATTRIBUTE_TYPE_OF: Record<Attribute['kind'], number> = {
  float: AttributeType.FLOAT,
  int: AttributeType.INT,
  string: AttributeType.STRING,
  floats: AttributeType.FLOATS,
  ints: AttributeType.INTS,
  strings: AttributeType.STRINGS,
};

function writeAttribute(w: ProtoWriter, a: Attribute): void {
  w.stringField(1, a.name);
  writeAttributeValue(w, a);
  w.varintField(20, ATTRIBUTE_TYPE_OF[a.kind]);
}

/** The value goes in the field of its kind: f=2 i=3 s=4 floats=7 ints=8 strings=9 (repeated). */
function writeAttributeValue(w: ProtoWriter, a: Attribute): void {
  if (a.kind === 'float') w.floatField(2, a.value);
  else if (a.kind === 'int') w.varintField(3, a.value);
  else if (a.kind === 'string') w.bytesField(4, encoder.encode(a.value));
  else if (a.kind === 'floats') w.packedFloats(7, a.value);
  else if (a.kind === 'ints') w.packedVarints(8, a.value);
  else for (const s of a.value) w.bytesField(9, encoder.encode(s));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.stringField(1, v.name);
  w.messageField(2, (type) =>
    type.messageField(1, (tensor) => {
      tensor.varintField(1, v.elemType);
      tensor.messageField(2, (shape) => {
        for (const d of v.dims) {
          shape.messageField(1, (dim) => (typeof d === 'number' ? dim.varintField(1, d) : dim.stringField(2, d)));
        }
      });
    }),
  );
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  w.stringField(3, n.name).stringField(4, n.opType);
  for (const a of n.attributes) w.messageField(5, (aw) => writeAttribute(aw, a));
  if (n.domain !== '') w.stringField(7, n.domain);
}

export function encodeModel(m: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.varintField(1, m.irVersion);
  w.stringField(2, m.producerName).stringField(3, m.producerVersion);
  w.stringField(6, m.docString);
  w.messageField(7, (g) => {
    for (const n of m.nodes) g.messageField(1, (nw) => writeNode(nw, n));
    g.stringField(2, m.graphName);
    for (const i of m.inputs) g.messageField(11, (vw) => writeValueInfo(vw, i));
    for (const o of m.outputs) g.messageField(12, (vw) => writeValueInfo(vw, o));
  });
  for (const o of m.opsets) w.messageField(8, (ow) => ow.stringField(1, o.domain).varintField(2, o.version));
  for (const [key, value] of Object.entries(m.metadata))
    w.messageField(14, (kv) => kv.stringField(1, key).stringField(2, value));
  return w.finish();
}
