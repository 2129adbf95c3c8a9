/**
 * Writes small ONNX graphs (protobuf encoded by hand) so tests and benchmarks need no Python.
 * Only the fields a graph of elementwise/MatMul nodes needs are encoded.
 */
import { once } from 'node:events';
import { saveModel } from '../../../src/models/save.js';
import { createWriteStream } from 'node:fs';

class Writer {
  private parts: number[] = [];
  varint(v: number): this {
    let n = BigInt(v);
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      this.parts.push(byte);
    } while (n > 0n);
    return this;
  }
  key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number): this {
    return this.key(field, 0).varint(v);
  }
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, w: Writer): this {
    return this.bytes(field, w.done());
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export type ElemType = 'float' | 'int64' | 'double';
const ELEM: Record<ElemType, number> = { float: 1, int64: 7, double: 11 };

export interface ValueInfo {
  name: string;
  type: ElemType;
  /** Numbers are fixed dims, strings are symbolic (variable) dims. */
  dims: (number | string)[];
}

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
}

export interface Initializer {
  name: string;
  dims: number[];
  values: number[];
}

function valueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.dims)
    shape.msg(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().str(2, d));
  const tensorType = new Writer().int(1, ELEM[v.type]).msg(2, shape);
  return new Writer().str(1, v.name).msg(2, new Writer().msg(1, tensorType));
}

export function buildOnnx(graph: {
  nodes: Node[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}): Uint8Array {
  const g = new Writer();
  graph.nodes.forEach((n, i) => {
    const node = new Writer();
    for (const x of n.inputs) node.str(1, x);
    for (const x of n.outputs) node.str(2, x);
    node.str(3, `n${i}`).str(4, n.op);
    g.msg(1, node);
  });
  g.str(2, 'cairn_test_graph');
  for (const init of graph.initializers) {
    const t = new Writer();
    for (const d of init.dims) t.int(1, d);
    t.int(2, 1);
    const raw = new Uint8Array(new Float32Array(init.values).buffer);
    t.str(8, init.name).bytes(9, raw);
    g.msg(5, t);
  }
  for (const v of graph.inputs) g.msg(11, valueInfo(v));
  for (const v of graph.outputs) g.msg(12, valueInfo(v));
  return new Writer()
    .int(1, 8)
    .str(2, 'cairn-tests')
    .msg(7, g)
    .msg(8, new Writer().str(1, '').int(2, 13))
    .done();
}

/** score = 0.5*x1 - 0.25*x2 + 2*x3 + 1 over three float inputs of shape [N]. */
export function threeInputModel(): Uint8Array {
  const inputs = ['x1', 'x2', 'x3'];
  const weights = [0.5, -0.25, 2];
  return buildOnnx({
    inputs: inputs.map((name) => ({ name, type: 'float' as const, dims: ['N'] })),
    outputs: [{ name: 'score', type: 'float', dims: ['N'] }],
    initializers: [
      ...weights.map((w, i) => ({ name: `w${i}`, dims: [], values: [w] })),
      { name: 'bias', dims: [], values: [1] },
    ],
    nodes: [
      ...inputs.map((x, i) => ({ op: 'Mul', inputs: [x, `w${i}`], outputs: [`m${i}`] })),
      { op: 'Add', inputs: ['m0', 'm1'], outputs: ['s0'] },
      { op: 'Add', inputs: ['s0', 'm2'], outputs: ['s1'] },
      { op: 'Add', inputs: ['s1', 'bias'], outputs: ['score'] },
    ],
  });
}

/** output = features @ [[1],[2],[3]] + 0.5 over one float input of shape [N, 3]. */
export function matrixModel(): Uint8Array {
  return buildOnnx({
    inputs: [{ name: 'features', type: 'float', dims: ['N', 3] }],
    outputs: [{ name: 'output', type: 'float', dims: ['N', 1] }],
    initializers: [
      { name: 'W', dims: [3, 1], values: [1, 2, 3] },
      { name: 'b', dims: [1], values: [0.5] },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['features', 'W'], outputs: ['mm'] },
      { op: 'Add', inputs: ['mm', 'b'], outputs: ['output'] },
    ],
  });
}

/**
 * A small neural network over the inputs of `threeInputModel` (x1..x3, each [N, 1]): two dense
 * ReLU layers of `hidden` units, then one output `score` [N, 1]. About `hidden² + 5·hidden`
 * multiply-adds per row: a model whose own work per row outweighs reading and writing the row.
 * Weights are fixed (a sine pattern), so every build is the same model.
 */
export function mlpModel(hidden: number): Uint8Array {
  const inputs = ['x1', 'x2', 'x3'];
  const weights = (n: number, seed: number): number[] =>
    Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 0.3);
  return buildOnnx({
    inputs: inputs.map((name) => ({ name, type: 'float' as const, dims: ['N', 1] })),
    outputs: [{ name: 'score', type: 'float', dims: ['N', 1] }],
    initializers: [
      ...inputs.map((_, i) => ({ name: `w1_${i}`, dims: [hidden], values: weights(hidden, i + 1) })),
      { name: 'b1', dims: [hidden], values: weights(hidden, 4) },
      { name: 'w2', dims: [hidden, hidden], values: weights(hidden * hidden, 5) },
      { name: 'b2', dims: [hidden], values: weights(hidden, 6) },
      { name: 'w3', dims: [hidden, 1], values: weights(hidden, 7) },
      { name: 'b3', dims: [1], values: [0.1] },
    ],
    nodes: [
      ...inputs.map((x, i) => ({ op: 'Mul', inputs: [x, `w1_${i}`], outputs: [`m${i}`] })),
      { op: 'Add', inputs: ['m0', 'm1'], outputs: ['s0'] },
      { op: 'Add', inputs: ['s0', 'm2'], outputs: ['s1'] },
      { op: 'Add', inputs: ['s1', 'b1'], outputs: ['a1'] },
      { op: 'Relu', inputs: ['a1'], outputs: ['h1'] },
      { op: 'MatMul', inputs: ['h1', 'w2'], outputs: ['z2'] },
      { op: 'Add', inputs: ['z2', 'b2'], outputs: ['a2'] },
      { op: 'Relu', inputs: ['a2'], outputs: ['h2'] },
      { op: 'MatMul', inputs: ['h2', 'w3'], outputs: ['z3'] },
      { op: 'Add', inputs: ['z3', 'b3'], outputs: ['score'] },
    ],
  });
}

/** The expected score of `threeInputModel` in float32 arithmetic. */
export function threeInputScore(x1: number, x2: number, x3: number): number {
  const f = Math.fround;
  return f(f(f(f(f(x1) * 0.5) + f(f(x2) * -0.25)) + f(f(x3) * 2)) + 1);
}

/**
 * Streams a CSV of `rows` inputs for `threeInputModel` (header `x1,x2,x3`; row i is
 * `(i % 1000) / 8, i % 97, (i % 13) * 0.25`) to `path`, in 1 MiB writes so large files stay cheap.
 */
export async function writeThreeInputCsv(path: string, rows: number): Promise<void> {
  const w = createWriteStream(path);
  w.write('x1,x2,x3\n');
  let buf = '';
  for (let i = 0; i < rows; i++) {
    buf += `${(i % 1000) / 8},${i % 97},${(i % 13) * 0.25}\n`;
    if (buf.length > 1 << 20) {
      if (!w.write(buf)) await once(w, 'drain');
      buf = '';
    }
  }
  w.end(buf);
  await once(w, 'finish');
}

/** Saves `threeInputModel` as a model directory (column signature from its input example). */
export async function saveThreeInputModel(dir: string): Promise<void> {
  await saveModel(dir, {
    flavor: 'onnx',
    onnxBytes: threeInputModel(),
    inputExample: [{ x1: 1.5, x2: 2.5, x3: 3.5 }],
  });
}
