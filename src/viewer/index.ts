// The viewer's decoding library as an ES module, for browsers, Node, Bun and Deno:
// checkpoint files, WAL logs and Parquet archives in, flat series out.

export { decodeFile, type DecodedFile, type DecodeOptions, type DecodeProgress } from './decode.ts';
export { detectKind, ownerFromPath, type FileKind, type FileOwner } from './locate.ts';
export {
  inferFrequency,
  mergeSeries,
  seriesFromArchiveRows,
  seriesFromLevel,
  seriesFromSamples,
  seriesStats,
  type Series,
  type SeriesStats,
} from './series.ts';
export { chartData, type ChartData } from './chart-data.ts';
export { formatValue, formatTime } from './format.ts';
