// Keeps the Go loader able to read what we write. The Go store appends the
// series of each checkpoint file after those of the files before it and fails
// the whole host (and so its start-up) when a series in a later file starts
// before the same series in an earlier one (checkpoint.go loadFile). Our
// checkpoints write every sample not yet on disk, so a late sample written into
// data that an earlier file already holds would produce just that.
//
// The rule: per host we remember, for each series (level path + metric), the
// start it has in the newest file that holds it. When an export would start a
// series before that, the checkpoint writes a full snapshot of the host instead
// (every sample it holds, so nothing is lost), and then trims each older file so
// that its series end before the snapshot's start of the same series. Restore
// applies the same trimming when it finds files that break the order (a crash
// between the two steps), so the order holds again on disk.

import type { LevelData, SeriesTable } from '../engine/types.ts';
import { forEachSeries } from './format/checkpoint-file.ts';
import type { TableNames } from './format/series-table.ts';
import { tableNames } from './format/series-table.ts';

export function seriesKey(path: readonly string[], metric: string): string {
  return path.length === 0 ? `\u0000${metric}` : `${path.join('\u0000')}\u0000\u0000${metric}`;
}

/** Start of every series over the files of one checkpoint (oldest first): that of its first piece. */
export function firstStartsOf(files: readonly LevelData[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const root of files) {
    forEachSeries(root, (path, metric, s) => {
      const k = seriesKey(path, metric);
      if (!out.has(k)) out.set(k, s.start);
    });
  }
  return out;
}

/** Series starts mirrored on the level tree (no string keys on the restore path). */
export interface StartsTree {
  metrics: Map<string, number>;
  children: Map<string, StartsTree>;
}

// Most levels (hwthreads, ...) have no children: they share this empty map
// until they get one, which keeps restore from making thousands of maps.
const NO_CHILDREN: Map<string, StartsTree> = new Map();

const newTree = (): StartsTree => ({ metrics: new Map(), children: NO_CHILDREN });

/** The tree node of each level of a table (its parent's child of its name; parent -1: the root `tree`), made where missing. */
function levelNodes(tree: StartsTree, levelParent: Int32Array, levelNames: readonly string[]): StartsTree[] {
  const nodes: StartsTree[] = new Array(levelParent.length);
  for (let i = 0; i < nodes.length; i++) nodes[i] = childTree(levelParent[i] < 0 ? tree : nodes[levelParent[i]], levelNames[i]);
  return nodes;
}

function childTree(tree: StartsTree, name: string): StartsTree {
  let sub = tree.children.get(name);
  if (!sub) {
    if (tree.children === NO_CHILDREN) tree.children = new Map();
    tree.children.set(name, (sub = newTree()));
  }
  return sub;
}

/** Latest series starts per host, as held by the files on disk. */
export class SeriesStarts {
  private readonly hosts = new Map<string, StartsTree>();

  private forHost(cluster: string, host: string): StartsTree {
    const k = `${cluster}\u0000${host}`;
    let t = this.hosts.get(k);
    if (!t) this.hosts.set(k, (t = newTree()));
    return t;
  }

  /** Records a file written or loaded after every file recorded before it. */
  noteFile(cluster: string, host: string, root: LevelData): void {
    merge(this.forHost(cluster, host), root, false);
  }

  /** Records files as startsInOrder summed them up, after every file recorded before. */
  noteStarts(cluster: string, host: string, starts: StartsTree): void {
    const k = `${cluster}\u0000${host}`;
    const t = this.hosts.get(k);
    if (t) mergeTrees(t, starts);
    else this.hosts.set(k, starts);
  }

  /** Records a full snapshot after whose writing the older files were trimmed below its starts. */
  noteFullSnapshot(cluster: string, host: string, root: LevelData): void {
    merge(this.forHost(cluster, host), root, true);
  }

  /** True when a file with this content, written next, would start a series before the files already on disk. */
  breaksOrder(cluster: string, host: string, root: LevelData): boolean {
    const t = this.hosts.get(`${cluster}\u0000${host}`);
    return t ? startsEarlier(t, root) : false;
  }
}

function merge(tree: StartsTree, level: LevelData, replace: boolean): void {
  for (const [metric, s] of level.metrics) {
    const prev = tree.metrics.get(metric);
    if (replace || prev === undefined || s.start > prev) tree.metrics.set(metric, s.start);
  }
  for (const [name, child] of level.children) merge(childTree(tree, name), child, replace);
}

function mergeTrees(tree: StartsTree, from: StartsTree): void {
  for (const [metric, start] of from.metrics) {
    const prev = tree.metrics.get(metric);
    if (prev === undefined || start > prev) tree.metrics.set(metric, start);
  }
  for (const [name, child] of from.children) {
    const sub = tree.children.get(name);
    if (sub) mergeTrees(sub, child);
    else {
      if (tree.children === NO_CHILDREN) tree.children = new Map();
      tree.children.set(name, child);
    }
  }
}

/** A checkpoint file's series as restore holds them: a table (`.bin`) or a tree (`.json`). */
export type FileSeries = SeriesTable | LevelData;

function isTable(f: FileSeries): f is SeriesTable {
  return (f as SeriesTable).bytes !== undefined;
}

/**
 * The latest start of every series over a host's files in load order; null
 * when a file starts a series before an earlier file does (then repairOrder
 * has work to do).
 */
export function startsInOrder(files: readonly FileSeries[]): StartsTree | null {
  if (files.length === 1 && isTable(files[0])) {
    const lazy = startsOfKnownLayout(files[0]);
    if (lazy) return lazy;
  }
  const tree = newTree();
  for (const f of files) {
    if (!isTable(f)) {
      if (startsEarlier(tree, f)) return null;
      merge(tree, f, false);
      continue;
    }
    // One pass: a series that starts before the same series of an earlier file
    // (or, in a malformed file, an earlier entry of this one) breaks the order.
    const names = tableNames(f);
    const nodes = levelNodes(tree, f.levelParent, names.levels);
    let twice = false;
    for (let i = 0; i < f.seriesLevel.length; i++) {
      const node = f.seriesLevel[i] < 0 ? tree : nodes[f.seriesLevel[i]];
      const name = names.series[i];
      const prev = node.metrics.get(name);
      const start = f.start[i];
      if (prev !== undefined) twice = true;
      if (prev === undefined || start > prev) node.metrics.set(name, start);
      else if (start < prev) return null;
    }
    if (files.length === 1 && !twice) rememberLayout(f, names);
  }
  return tree;
}

// ---- hosts laid out as the one before ----
//
// The hosts of a cluster have the same levels and series in the same order,
// so their files differ in values and starts only. A host whose single .bin
// has the layout of the last one summed up (the same names, parents and
// levels), which held no series twice, cannot break the order within itself:
// its tree is the same shape with other starts. It is kept as the starts
// column and built when first read (the first checkpoint's breaksOrder), so
// restore makes no maps for it (~350,000 instructions a host of 530 series,
// 2.5 % of a sealed restore, callgrind).

interface Layout {
  names: TableNames;
  levelParent: Int32Array;
  seriesLevel: Int32Array;
}

let lastLayout: Layout | null = null;

function rememberLayout(f: SeriesTable, names: TableNames): void {
  lastLayout = { names, levelParent: f.levelParent.slice(), seriesLevel: f.seriesLevel.slice() };
}

function sameInts(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function startsOfKnownLayout(f: SeriesTable): StartsTree | null {
  const layout = lastLayout;
  if (!layout || layout.levelParent.length !== f.levelParent.length || layout.seriesLevel.length !== f.seriesLevel.length) return null;
  // tableNames hands out the same object for the same names (series-table.ts).
  if (tableNames(f) !== layout.names || !sameInts(layout.levelParent, f.levelParent) || !sameInts(layout.seriesLevel, f.seriesLevel)) {
    return null;
  }
  return new TableStarts(layout, f.start.slice());
}

/** A StartsTree kept as a layout and a starts column until it is first read. */
class TableStarts implements StartsTree {
  private tree: StartsTree | null = null;
  private layout: Layout | null;
  private starts: Float64Array | null;

  constructor(layout: Layout, starts: Float64Array) {
    this.layout = layout;
    this.starts = starts;
  }

  get metrics(): Map<string, number> {
    return this.built().metrics;
  }

  get children(): Map<string, StartsTree> {
    return this.built().children;
  }

  set children(children: Map<string, StartsTree>) {
    this.built().children = children;
  }

  private built(): StartsTree {
    if (this.tree) return this.tree;
    const { names, levelParent, seriesLevel } = this.layout!;
    const starts = this.starts!;
    const tree = newTree();
    const nodes = levelNodes(tree, levelParent, names.levels);
    for (let i = 0; i < seriesLevel.length; i++) {
      (seriesLevel[i] < 0 ? tree : nodes[seriesLevel[i]]).metrics.set(names.series[i], starts[i]);
    }
    this.tree = tree;
    this.layout = null;
    this.starts = null;
    return tree;
  }
}

function startsEarlier(tree: StartsTree, level: LevelData): boolean {
  for (const [metric, s] of level.metrics) {
    const prev = tree.metrics.get(metric);
    if (prev !== undefined && s.start < prev) return true;
  }
  for (const [name, child] of level.children) {
    const sub = tree.children.get(name);
    if (sub && startsEarlier(sub, child)) return true;
  }
  return false;
}

/**
 * Cuts every series of `root` that has a limit in `limits` so that it holds
 * only samples stamped before that limit; drops series and levels left empty.
 * Returns null when nothing had to change.
 */
export function trimBelow(root: LevelData, limits: ReadonlyMap<string, number>): LevelData | null {
  let changed = false;
  const walk = (level: LevelData, path: string[]): LevelData => {
    const out: LevelData = { metrics: new Map(), children: new Map() };
    for (const [metric, s] of level.metrics) {
      const limit = limits.get(seriesKey(path, metric));
      if (limit === undefined) {
        out.metrics.set(metric, s);
        continue;
      }
      const keep = Math.max(0, Math.min(s.values.length, Math.ceil((limit - s.start) / s.frequency)));
      if (keep === s.values.length) {
        out.metrics.set(metric, s);
        continue;
      }
      changed = true;
      if (keep > 0) out.metrics.set(metric, { frequency: s.frequency, start: s.start, values: s.values.slice(0, keep) });
    }
    for (const [name, child] of level.children) {
      path.push(name);
      const c = walk(child, path);
      path.pop();
      if (c.metrics.size > 0 || c.children.size > 0) out.children.set(name, c);
      else if (child.metrics.size > 0 || child.children.size > 0) changed = true;
    }
    return out;
  };
  const result = walk(root, []);
  return changed ? result : null;
}

/**
 * Makes a host's files (in load order) loadable by the Go store: where a file
 * starts a series before an earlier file does, the earlier files' copies of that
 * series are cut to end before it. Returns the indices of the files changed.
 */
export function repairOrder(roots: LevelData[]): number[] {
  if (roots.length < 2) return [];
  const changed = new Set<number>();
  const latest = new Map<string, number>();
  for (let i = 0; i < roots.length; i++) {
    const limits = new Map<string, number>();
    forEachSeries(roots[i], (path, metric, s) => {
      const k = seriesKey(path, metric);
      const prev = latest.get(k);
      if (prev !== undefined && s.start < prev) limits.set(k, s.start);
    });
    if (limits.size > 0) {
      for (let j = 0; j < i; j++) {
        const trimmed = trimBelow(roots[j], limits);
        if (trimmed) {
          roots[j] = trimmed;
          changed.add(j);
        }
      }
      // The trimmed copies now end before these starts; recompute what is latest.
      latest.clear();
      for (let j = 0; j < i; j++) forEachSeries(roots[j], (p, m, s) => bumpLatest(latest, seriesKey(p, m), s.start));
    }
    forEachSeries(roots[i], (path, metric, s) => bumpLatest(latest, seriesKey(path, metric), s.start));
  }
  return [...changed].sort((a, b) => a - b);
}

function bumpLatest(m: Map<string, number>, k: string, start: number): void {
  const prev = m.get(k);
  if (prev === undefined || start > prev) m.set(k, start);
}
