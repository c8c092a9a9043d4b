// The subset of ONNX's protobuf schema that an inference graph needs, as a protobufjs JSON descriptor
// (the form `pbjs -t json` writes), so protobufjs encodes the file: no hand-written wire bytes here.
// Message and field numbers are those of onnx/onnx.proto (the ONNX repository, github.com/onnx/onnx,
// IR version 7+); only fields we write or read in tests are listed, and protobuf ignores absent ones.
// Field names are camelCase, protobufjs's convention; the wire format uses only the numbers.
const str = (id: number) => ({ type: 'string', id });
const rep = (type: string, id: number) => ({ rule: 'repeated', type, id });

export const ONNX_SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: str(2),
            producerVersion: str(3),
            domain: str(4),
            modelVersion: { type: 'int64', id: 5 },
            docString: str(6),
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: rep('OperatorSetIdProto', 8),
            metadataProps: rep('StringStringEntryProto', 14),
          },
        },
        OperatorSetIdProto: { fields: { domain: str(1), version: { type: 'int64', id: 2 } } },
        StringStringEntryProto: { fields: { key: str(1), value: str(2) } },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1),
            name: str(2),
            initializer: rep('TensorProto', 5),
            docString: str(10),
            input: rep('ValueInfoProto', 11),
            output: rep('ValueInfoProto', 12),
            valueInfo: rep('ValueInfoProto', 13),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1),
            output: rep('string', 2),
            name: str(3),
            opType: str(4),
            attribute: rep('AttributeProto', 5),
            docString: str(6),
            domain: str(7),
          },
        },
        AttributeProto: {
          fields: {
            name: str(1),
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: rep('float', 7),
            ints: rep('int64', 8),
            docString: str(13),
            type: { type: 'AttributeType', id: 20 },
          },
          nested: {
            AttributeType: { values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } },
          },
        },
        TensorProto: {
          fields: {
            dims: rep('int64', 1),
            dataType: { type: 'int32', id: 2 },
            floatData: rep('float', 4),
            name: str(8),
            rawData: { type: 'bytes', id: 9 },
            docString: str(12),
          },
          nested: { DataType: { values: { UNDEFINED: 0, FLOAT: 1, INT64: 7 } } },
        },
        ValueInfoProto: { fields: { name: str(1), type: { type: 'TypeProto', id: 2 }, docString: str(3) } },
        TypeProto: {
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: { Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } } },
        },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: { Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: str(2), denotation: str(3) } } },
        },
      },
    },
  },
};
