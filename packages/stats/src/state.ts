/**
 * Snapshots of in-memory state (streaming scorers, sketches, histograms) as plain JSON, and their
 * restoration into a fresh instance built with the same options: what a stateful component's
 * `snapshot()` / `restore()` need to continue exactly after a restart.
 *
 * `dumpState` walks own enumerable properties: numbers (NaN and ±Infinity tagged), strings,
 * booleans, null, undefined (tagged), arrays, Maps, typed arrays (base64 of their bytes) and
 * nested objects; functions are left out (a restored instance keeps its own). `loadState` writes
 * a dump back into an existing object of the same shape, reusing its nested objects (so class
 * instances keep their prototypes) and typed arrays of the same length.
 */

type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray | BigInt64Array | BigUint64Array;

const TYPED: Record<string, new (buffer: ArrayBuffer) => TypedArray> = {
  Float64Array, Float32Array, Int32Array, Uint32Array, Int16Array, Uint16Array, Int8Array, Uint8Array, Uint8ClampedArray, BigInt64Array, BigUint64Array,
};

/** A JSON value. */
export type StateDump = null | boolean | number | string | StateDump[] | { [key: string]: StateDump };

function isTyped(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** `value` as plain JSON (see the module comment). */
export function dumpState(value: unknown): StateDump {
  if (value === null) return null;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $n: String(Object.is(value, -0) ? '-0' : value) };
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return { $u: 1 };
    case 'object': {
      if (isTyped(value)) {
        return { $t: value.constructor.name, b: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
      }
      if (Array.isArray(value)) return value.map(dumpState);
      if (value instanceof Map) return { $m: [...value].map(([k, v]) => [dumpState(k), dumpState(v)]) };
      const out: Record<string, StateDump> = {};
      for (const [k, v] of Object.entries(value)) if (typeof v !== 'function') out[k] = dumpState(v);
      return { $o: out };
    }
    default:
      throw new TypeError(`dumpState: cannot serialise a ${typeof value}`);
  }
}

/** The value a dump stands for; `existing` (the slot's current value) is reused where the shapes agree. */
export function loadState(dump: StateDump, existing?: unknown): unknown {
  if (dump === null || typeof dump !== 'object') return dump;
  if (Array.isArray(dump)) {
    const old = Array.isArray(existing) ? existing : [];
    return dump.map((d, i) => loadState(d, old[i]));
  }
  if ('$n' in dump) return dump.$n === '-0' ? -0 : Number(dump.$n);
  if ('$u' in dump) return undefined;
  if ('$t' in dump) {
    const Ctor = TYPED[String(dump.$t)];
    if (!Ctor) throw new TypeError(`loadState: unknown typed array ${String(dump.$t)}`);
    const bytes = Buffer.from(String(dump.b), 'base64');
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    const array = new Ctor(copy.buffer);
    if (isTyped(existing) && existing.constructor === Ctor && existing.length === array.length) {
      (existing as Float64Array).set(array as Float64Array);
      return existing;
    }
    return array;
  }
  if ('$m' in dump) return new Map((dump.$m as StateDump[][]).map(([k, v]) => [loadState(k!), loadState(v!)]));
  const fields = dump.$o as Record<string, StateDump>;
  const target = (existing !== null && typeof existing === 'object' && !Array.isArray(existing) && !isTyped(existing) ? existing : {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) target[k] = loadState(v, target[k]);
  return target;
}
