// The viewer's decoding library as an ES module, for browsers, Node, Bun and Deno:
// checkpoint files, WAL logs and Parquet archives in, flat series out.

export { decodeFile, type DecodedFile, type DecodeOptions, type DecodeProgress } from './decode.ts';
export { detectKind, ownerFromPath, type FileKind, type FileOwner } from './locate.ts';
export {
  inferFrequency,
  MAX_PADDING_SLOTS,
  seriesFromArchiveRows,
  seriesFromLevel,
  seriesFromSamples,
  seriesStats,
  type Series,
  type SeriesRun,
  type SeriesStats,
} from './series.ts';
export { mergeSeries, mergedStats, runsOf, type AnySeries, type MergedSeries } from './merge.ts';
export { chartData, chartLayout, type ChartData, type ChartLayout } from './chart-data.ts';
export { formatValue, formatTime } from './format.ts';
