// Compares two V8 heap snapshots (.heapsnapshot, e.g. the worker's idle and with N sleeping
// callbacks from `npm run bench -- --only=p4 --heap-snapshots`): the constructors whose
// count and self size grew most, then, for the top ones, the shortest retainer path from
// the GC roots to one of the new objects (what holds them).
//   npx tsx bench/heap-diff.ts before.heapsnapshot after.heapsnapshot [--top=25] [--paths=5]
import { readFileSync } from 'node:fs';

interface RawSnapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface Heap {
  count: number;
  type: (i: number) => string;
  name: (i: number) => string;
  selfSize: (i: number) => number;
  id: (i: number) => number;
  /** Edges of node i: [edge type, edge name or index, target node]. */
  edges: (i: number) => Iterable<[string, string, number]>;
}

export function loadHeap(file: string): Heap {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawSnapshot;
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = raw.snapshot.meta;
  const nodeTypes = nt[0];
  const edgeTypes = et[0];
  const N = nf.length;
  const E = ef.length;
  const [fType, fName, fId, fSize, fEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) =>
    nf.indexOf(f),
  ) as [number, number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const { nodes, edges, strings } = raw;
  const count = nodes.length / N;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * N + fEdges]! * E;
  }
  firstEdge[count] = edges.length;
  return {
    count,
    type: (i) => nodeTypes[nodes[i * N + fType]!]!,
    name: (i) => strings[nodes[i * N + fName]!]!,
    selfSize: (i) => nodes[i * N + fSize]!,
    id: (i) => nodes[i * N + fId]!,
    *edges(i) {
      for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += E) {
        const type = edgeTypes[edges[e + eType]!]!;
        const nameOrIndex = edges[e + eName]!;
        const name = type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : strings[nameOrIndex]!;
        yield [type, name, edges[e + eTo]! / N];
      }
    },
  };
}

/** Aggregation key: the constructor for objects, the type otherwise (strings, closures by name). */
export function keyOf(heap: Heap, i: number): string {
  const type = heap.type(i);
  if (type === 'object' || type === 'closure' || type === 'native') return `${type}:${heap.name(i)}`;
  return `(${type})`;
}

export function byConstructor(heap: Heap): Map<string, { count: number; size: number }> {
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < heap.count; i++) {
    const key = keyOf(heap, i);
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += heap.selfSize(i);
    out.set(key, entry);
  }
  return out;
}

/** Shortest path (BFS over strong edges) from the root (node 0) to every node: parent and edge. */
export function retainerTree(heap: Heap): { parent: Int32Array; via: string[] } {
  const parent = new Int32Array(heap.count).fill(-1);
  const via: string[] = new Array<string>(heap.count);
  parent[0] = 0;
  let frontier = [0];
  while (frontier.length) {
    const next: number[] = [];
    for (const i of frontier) {
      for (const [type, name, to] of heap.edges(i)) {
        if (type === 'weak' || type === 'shortcut' || parent[to] !== -1) continue;
        parent[to] = i;
        via[to] = type === 'element' || type === 'hidden' ? name : `.${name}`;
        next.push(to);
      }
    }
    frontier = next;
  }
  return { parent, via };
}

export function pathTo(heap: Heap, tree: { parent: Int32Array; via: string[] }, node: number): string[] {
  const steps: string[] = [];
  for (let i = node; i !== 0 && tree.parent[i] !== -1 && steps.length < 40; i = tree.parent[i]!) {
    steps.push(`${tree.via[i]} -> ${keyOf(heap, i)}${heap.type(i) === 'string' ? '' : ` @${heap.id(i)}`}`);
  }
  return steps.reverse();
}

function main(): void {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--'));
  const opt = (name: string, dflt: number) =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
  if (files.length !== 2) {
    process.stderr.write(
      'usage: tsx bench/heap-diff.ts before.heapsnapshot after.heapsnapshot [--top=25] [--paths=5]\n',
    );
    process.exit(2);
  }
  const before = loadHeap(files[0]!);
  const beforeIds = new Set<number>();
  for (let i = 0; i < before.count; i++) beforeIds.add(before.id(i));
  const beforeAgg = byConstructor(before);
  const after = loadHeap(files[1]!);
  const afterAgg = byConstructor(after);
  const rows = [...afterAgg]
    .map(([key, a]) => {
      const b = beforeAgg.get(key) ?? { count: 0, size: 0 };
      return { key, count: a.count - b.count, size: a.size - b.size };
    })
    .sort((x, y) => y.size - x.size);
  const total = (h: Heap) => {
    let s = 0;
    for (let i = 0; i < h.count; i++) s += h.selfSize(i);
    return s;
  };
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  process.stdout.write(
    `heap ${mb(total(before))} MB (${before.count} nodes) -> ${mb(total(after))} MB (${after.count} nodes)\n\n`,
  );
  process.stdout.write('self size growth by constructor\n   +MB     +count  constructor\n');
  for (const row of rows.slice(0, opt('top', 25))) {
    process.stdout.write(`${mb(row.size).padStart(6)} ${String(row.count).padStart(10)}  ${row.key}\n`);
  }
  // Who holds the new objects of the top grown object constructors.
  const tree = retainerTree(after);
  const wanted = rows
    .filter((r) => (r.key.startsWith('object:') || r.key.startsWith('native:')) && r.count > 0)
    .slice(0, opt('paths', 5));
  for (const row of wanted) {
    const samples: number[] = [];
    for (let i = 0; i < after.count && samples.length < 2; i++) {
      if (keyOf(after, i) === row.key && !beforeIds.has(after.id(i)) && tree.parent[i] !== -1) samples.push(i);
    }
    for (const node of samples) {
      process.stdout.write(`\nretainer path of a new ${row.key} @${after.id(node)}:\n`);
      for (const step of pathTo(after, tree, node)) process.stdout.write(`  ${step}\n`);
    }
  }
}

if (require.main === module) main();
