/**
 * Reads the initializers (weights) of an ONNX file: the few protobuf fields needed
 * (ModelProto.graph = 7, GraphProto.initializer = 5, TensorProto dims = 1, data_type = 2,
 * name = 8, raw_data = 9), so tests can recompute a model's output by hand.
 */
import { readFileSync } from 'node:fs';

interface Field { field: number; wire: number; value: bigint | Uint8Array }

function* fields(bytes: Uint8Array): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    while (true) {
      const b = bytes[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 2) {
      const length = Number(varint());
      yield { field, wire, value: bytes.subarray(pos, pos + length) };
      pos += length;
    } else if (wire === 5) {
      yield { field, wire, value: bytes.subarray(pos, pos + 4) };
      pos += 4;
    } else if (wire === 1) {
      yield { field, wire, value: bytes.subarray(pos, pos + 8) };
      pos += 8;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

export interface Weight { dims: number[]; data: Float32Array }

export function readOnnxWeights(path: string): Map<string, Weight> {
  const model = new Uint8Array(readFileSync(path));
  const weights = new Map<string, Weight>();
  for (const m of fields(model)) {
    if (m.field !== 7 || m.wire !== 2) continue;
    for (const g of fields(m.value as Uint8Array)) {
      if (g.field !== 5 || g.wire !== 2) continue;
      let name = '';
      const dims: number[] = [];
      let raw: Uint8Array = new Uint8Array(0);
      let dataType = 0;
      for (const t of fields(g.value as Uint8Array)) {
        if (t.field === 1 && t.wire === 0) dims.push(Number(t.value));
        else if (t.field === 2) dataType = Number(t.value);
        else if (t.field === 8) name = new TextDecoder().decode(t.value as Uint8Array);
        else if (t.field === 9) raw = t.value as Uint8Array;
      }
      if (dataType !== 1) throw new Error(`initializer ${name} is not float32`);
      const data = new Float32Array(raw.byteLength / 4);
      new Uint8Array(data.buffer).set(raw);
      weights.set(name, { dims, data });
    }
  }
  return weights;
}
