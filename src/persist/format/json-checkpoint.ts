// JSON checkpoint files (`<from>.json`, file-format "json"), as the Go store
// writes and reads them (cc-backend pkg/metricstore/checkpoint.go):
//
//   {"metrics":{"<name>":{"frequency":60,"start":1725620030,"data":[0.5,null]}},
//    "children":{"<level>":{"metrics":{...},"children":{...},"from":F,"to":T}},
//    "from":F,"to":T}\n
//
// We write the same layout, key order and trailing newline; map keys sorted as
// Go's encoder sorts them. Values are the shortest text of the f32 value.

import type { LevelData, SeriesData } from '../../engine/types.ts';
import { FormatError } from './bytes.ts';
import type { CheckpointFile } from './checkpoint-file.ts';
import { float32ToText } from './float32-text.ts';

const FORMAT = 'JSON checkpoint';
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export function encodeJsonCheckpoint(file: CheckpointFile): string {
  const parts: string[] = [];
  const header = `,"from":${Math.trunc(file.from)},"to":${Math.trunc(file.to)}}`;
  // Metric values repeat a lot (idle counters, constant memory); their text is found once.
  const texts = new Map<number, string>();
  writeLevel(file.root, header, parts, texts);
  parts.push('\n');
  return parts.join('');
}

function writeLevel(level: LevelData, header: string, parts: string[], texts: Map<number, string>): void {
  parts.push('{"metrics":{');
  let first = true;
  for (const name of [...level.metrics.keys()].sort()) {
    if (!first) parts.push(',');
    first = false;
    writeSeries(name, level.metrics.get(name)!, parts, texts);
  }
  parts.push('},"children":{');
  first = true;
  for (const name of [...level.children.keys()].sort()) {
    if (!first) parts.push(',');
    first = false;
    parts.push(JSON.stringify(name), ':');
    writeLevel(level.children.get(name)!, header, parts, texts);
  }
  parts.push('}', header);
}

function writeSeries(name: string, series: SeriesData, parts: string[], texts: Map<number, string>): void {
  const values = series.values;
  const text = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== v) {
      text[i] = 'null';
      continue;
    }
    if (Number.isInteger(v)) {
      // Fast already; and the cache could not tell 0 from -0.
      text[i] = float32ToText(v);
      continue;
    }
    let t = texts.get(v);
    if (t === undefined) {
      t = float32ToText(v);
      if (texts.size < 65536) texts.set(v, t);
    }
    text[i] = t;
  }
  parts.push(
    JSON.stringify(name),
    `:{"frequency":${Math.trunc(series.frequency)},"start":${Math.trunc(series.start)},"data":[`,
    text.join(','),
    ']}',
  );
}

/** Reads a JSON checkpoint (ours or the Go store's); throws a FormatError naming the bad field. */
export function decodeJsonCheckpoint(input: string | Uint8Array): CheckpointFile {
  let text: string;
  try {
    text = typeof input === 'string' ? input : textDecoder.decode(input);
  } catch {
    throw new FormatError(FORMAT, 0, 'not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new FormatError(FORMAT, 0, `not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new FormatError(FORMAT, 0, 'top level is not an object');
  return {
    from: optionalInteger(doc.from, 'from'),
    to: optionalInteger(doc.to, 'to'),
    root: readLevel(doc, ''),
  };
}

function readLevel(doc: Record<string, unknown>, where: string): LevelData {
  const level: LevelData = { metrics: new Map(), children: new Map() };
  const metrics = doc.metrics;
  if (metrics != null) {
    if (!isObject(metrics)) throw new FormatError(FORMAT, 0, `${where}metrics is not an object`);
    for (const name of Object.keys(metrics)) {
      level.metrics.set(name, readSeries(metrics[name], `${where}metrics.${name}`));
    }
  }
  const children = doc.children;
  if (children != null) {
    if (!isObject(children)) throw new FormatError(FORMAT, 0, `${where}children is not an object`);
    for (const name of Object.keys(children)) {
      const child = children[name];
      if (!isObject(child)) throw new FormatError(FORMAT, 0, `${where}children.${name} is not an object`);
      level.children.set(name, readLevel(child, `${where}children.${name}.`));
    }
  }
  return level;
}

function readSeries(doc: unknown, where: string): SeriesData {
  if (!isObject(doc)) throw new FormatError(FORMAT, 0, `${where} is not an object`);
  const frequency = optionalInteger(doc.frequency, `${where}.frequency`);
  const start = optionalInteger(doc.start, `${where}.start`);
  const data = doc.data;
  if (data != null && !Array.isArray(data)) throw new FormatError(FORMAT, 0, `${where}.data is not an array`);
  const list = (data ?? []) as unknown[];
  const values = new Float32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v === 'number') values[i] = v;
    else if (v === null) values[i] = NaN;
    else throw new FormatError(FORMAT, 0, `${where}.data[${i}] is neither a number nor null`);
  }
  return { frequency, start, values };
}

function optionalInteger(value: unknown, where: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new FormatError(FORMAT, 0, `${where} is not an integer`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
