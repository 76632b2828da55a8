// behaviour.md section 5 against cc-backend lineprotocol.go DecodeLine and the
// decoder it uses (cc-line-protocol v2, a fork of influxdata/line-protocol v2:
// decoder.go, value.go, precision.go). Where we differ on purpose, the test
// asserts ours and its comment (DELIBERATE) quotes the reference and says why.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import { ingest, makeStore, METRICS, T } from './support.ts';

const NOW = T + 5000;

function lp(text: string, store = makeStore(), cluster = 'c', now = NOW) {
  const result = ingest(store, text, cluster, now);
  return { store, result };
}

/** Stored samples of a series as [slot start, value]; for `one` (f = 1) the slot start is the sample's ts. */
function points(store: Store, cluster: string, host: string, path: string[], metric: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  // A series with gaps is exported as pieces, one file each, oldest first.
  for (const file of store.exportHost(cluster, host, { unsavedOnly: false })?.files ?? []) {
    let level: typeof file | undefined = file;
    for (const name of path) level = level?.children.get(name);
    const s = level?.metrics.get(metric);
    s?.values.forEach((v, i) => {
      if (!Number.isNaN(v)) out.push([s.start + i * s.frequency, v]);
    });
  }
  return out;
}

/** Names of the sub-levels below a host. */
function childrenOf(store: Store, path: string[]): string[] {
  return store.listChildren(path);
}

const value = (text: string) => {
  const { store, result } = lp(`one,cluster=c,hostname=h value=${text} ${T}\n`);
  return { result, stored: points(store, 'c', 'h', [], 'one') };
};

describe('conformance: line syntax', () => {
  it('unescapes "\\ " and "\\," in measurements and keeps any other backslash', () => {
    const store = makeStore({
      metrics: { ...METRICS, 'cpu load': { frequency: 1, aggregation: null }, 'cpu,load': { frequency: 1, aggregation: null },
        'we\\,ird': { frequency: 1, aggregation: null }, 'a=b': { frequency: 1, aggregation: null } },
    });
    // measurementEscapes = newEscaper(" ,"); "\\\\," is a kept backslash, then an escaped comma
    const { result } = lp(
      `cpu\\ load,hostname=h value=1 ${T}\n` +
      `cpu\\,load,hostname=h value=2 ${T}\n` +
      `we\\\\,ird,hostname=h value=3 ${T}\n` +
      `a=b,hostname=h value=4 ${T}\n`, store);
    expect(result).toMatchObject({ accepted: 4, error: null });
    expect(points(store, 'c', 'h', [], 'cpu load')).toEqual([[T, 1]]);
    expect(points(store, 'c', 'h', [], 'cpu,load')).toEqual([[T, 2]]);
    expect(points(store, 'c', 'h', [], 'we\\,ird')).toEqual([[T, 3]]);
    expect(points(store, 'c', 'h', [], 'a=b')).toEqual([[T, 4]]);
  });

  it('unescapes ",", "=" and " " in tag keys and values', () => {
    const { store, result } = lp(
      `one,cluster=my\\ cluster,hostname=x\\ y value=1 ${T}\n` +
      `one,cluster=c,hostname=x\\,y value=2 ${T}\n` +
      `one,cluster=c,hostname=x\\=y value=3 ${T}\n` +
      `one,cluster=c,host\\ name=z,hostname=h value=4 ${T}\n`);
    expect(result).toMatchObject({ accepted: 4, error: null });
    expect(points(store, 'my cluster', 'x y', [], 'one')).toEqual([[T, 1]]);
    expect(points(store, 'c', 'x,y', [], 'one')).toEqual([[T, 2]]);
    expect(points(store, 'c', 'x=y', [], 'one')).toEqual([[T, 3]]);
    // "host name" is no known tag
    expect(points(store, 'c', 'h', [], 'one')).toEqual([[T, 4]]);
  });

  it('skips comments, blank and blank-looking lines, and takes CRLF, runs of spaces and trailing spaces', () => {
    // skipEmptyLines: `d.discardc(' ')`, then '#' comment, '\n', or "\r\n"
    const { store, result } = lp(
      `# comment\n\n   \n\r\n  # indented comment\r\n` +
      `one,cluster=c,hostname=h   value=1   ${T}  \r\n` +
      `   one,cluster=c,hostname=h value=2 ${T + 1}\n` +
      `one,cluster=c,hostname=h value=3\r\n` +
      `one,cluster=c,hostname=h value=4 ${T + 3}`);
    expect(result).toMatchObject({ accepted: 4, error: null });
    expect(points(store, 'c', 'h', [], 'one').map(([, v]) => v).sort()).toEqual([1, 2, 3, 4]);
  });

  it('refuses a tab as a separator', () => {
    // '\t' is nonPrintable: the tag value ends there and no tag key can start with it
    expect(lp(`one,cluster=c,hostname=h\tvalue=1 ${T}\n`).result.error?.line).toBe(1);
  });

  it('counts lines across comments and CRLF when naming the malformed line, keeping the lines before it', () => {
    const { store, result } = lp(
      `# one\r\n\r\none,cluster=c,hostname=h value=1 ${T}\r\n` +
      `one,cluster=c,hostname=h value=x ${T + 1}\r\n` +
      `one,cluster=c,hostname=h value=3 ${T + 2}\r\n`);
    expect(result.error?.line).toBe(4);
    expect(result.accepted).toBe(1);
    expect(points(store, 'c', 'h', [], 'one')).toEqual([[T, 1]]);
  });

  it('refuses a known metric with only a measurement, or without fields', () => {
    for (const line of ['one', 'one\n', 'one,hostname=h', 'one,hostname=h\n', 'one,hostname=h ']) {
      expect(lp(line).result.error?.line, JSON.stringify(line)).toBe(1);
    }
  });

  it('skips an unknown metric with only a measurement, or with a malformed rest', () => {
    // DecodeLine: `if !ok { continue }` before any tag or field is read; Next() swallows the syntax error
    for (const line of ['nope', 'nope\n', 'nope,hostname=', 'nope,hostname=h value=', 'nope,hostname=\xff value=1']) {
      // as bytes: \xff is an invalid UTF-8 byte here
      const bytes = Uint8Array.from(line, (ch) => ch.charCodeAt(0));
      expect(makeStore().ingest(bytes, 'c', NOW), JSON.stringify(line)).toMatchObject({ error: null, accepted: 0, skipped: 1 });
    }
  });

  it('refuses a comment with a control character, a lone CR and invalid UTF-8 in a tag of a known metric', () => {
    // skipEmptyLines rewinds to a comment it cannot take: "invalid character found in comment line"
    expect(lp('# tab\there\n').result.error?.line).toBe(1);
    expect(lp(`one,cluster=c,hostname=h value=1\r ${T}\n`).result.error?.line).toBe(1);
    const bytes = Uint8Array.from(`one,cluster=c,hostname=\xff value=1 ${T}\n`, (ch) => ch.charCodeAt(0));
    expect(makeStore().ingest(bytes, 'c', NOW).error?.line).toBe(1);
  });

  it('stores lines without cluster tag under the cluster parameter', () => {
    const { store } = lp(`one,hostname=h value=1 ${T}\n`, makeStore(), 'p');
    expect(points(store, 'p', 'h', [], 'one')).toEqual([[T, 1]]);
  });

  // DELIBERATE: the reference stores a line without cluster tag under an empty cluster parameter in
  // the cluster "" (isValidPathComponent("") holds). Ours rejects it (unsafe-name): "" is no directory
  // name, so the sample could never reach a checkpoint (behaviour.md section 5, ours).
  it('rejects a line without cluster tag when the cluster parameter is empty', () => {
    const { store, result } = lp(`one,hostname=h value=1 ${T}\n`, makeStore(), '');
    expect(result).toMatchObject({ accepted: 0, rejected: 1, reasons: { 'unsafe-name': 1 } });
    expect(store.listChildren([])).toEqual([]);
  });

  it('refuses a measurement that does not start with a name, whatever the metric', () => {
    // dec.Measurement() fails before the metric lookup
    for (const line of [',one value=1', ' ,x value=1', '\tone value=1']) {
      expect(lp(line).result.error?.line, JSON.stringify(line)).toBe(1);
    }
  });
});

describe('conformance: field values', () => {
  it.each([
    ['4i', 4], ['4u', 4], ['-0i', 0], ['-4i', -4], ['1e3', 1000], ['1.5E2', 150], ['.5', 0.5], ['-.5', -0.5],
    ['1.', 1], ['0x1p4', 16], ['0', 0], ['-0', -0], ['007', 7], ['18446744073709551615u', Math.fround(18446744073709551615)],
  ] as const)('reads value=%s', (text, want) => {
    const { result, stored } = value(text);
    expect(result.error).toBeNull();
    expect(stored).toHaveLength(1);
    expect(Object.is(stored[0][1], want)).toBe(true);
  });

  it.each([
    // NextFieldBytes: only '-', digits and '.' start a number; 't','T','f','F' a bool; '"' a string
    '+1.5', 'inf', 'NaN', 'Inf', 'nan',
    // newValueFromBytes: `math.IsInf(x, 0) || math.IsNaN(x)` -> "non-number", or ParseFloat syntax/range errors
    '-inf', '-Inf', '-NaN', '1e400', '1e', '--1', '1.5.5', '0x10', '-', '.',
    // kind by the last byte: 'I' and 'U' are no suffixes
    '4I', '4U', '1.5i', '-1u', '9223372036854775808i',
    // bool and string values: `unsupported value type in message`
    't', 'T', 'true', 'FALSE', '"1"',
  ])('refuses value=%s', (text) => {
    const { result, stored } = value(text);
    expect(result.error?.line).toBe(1);
    expect(stored).toEqual([]);
  });

  it('refuses any other field, also an escaped "value" lookalike, and keeps the last value field', () => {
    expect(value(`1,other=2`).result.error?.line).toBe(1);
    expect(lp(`one,cluster=c,hostname=h val\\ ue=1 ${T}\n`).result.error?.line).toBe(1);
    expect(lp(`one,cluster=c,hostname=h v\\alue=1 ${T}\n`).result.error?.line).toBe(1);
    const { store } = lp(`one,cluster=c,hostname=h value=1,value=2 ${T}\n`);
    expect(points(store, 'c', 'h', [], 'one')).toEqual([[T, 2]]);
  });
});

describe('conformance: timestamp precision', () => {
  const at = (ts: string, now = NOW) => {
    const { store, result } = lp(`one,cluster=c,hostname=h value=1 ${ts}\n`, makeStore(), 'c', now);
    return { result, ts: points(store, 'c', 'h', [], 'one').map(([t]) => t) };
  };

  // dec.Time(lineprotocol.Second, t): `prec.asNanoseconds(ts)` fails when ts * 1e9 overflows int64
  it.each([
    ['1725620476', 1725620476],
    ['0', 0],
    ['0001725620476', 1725620476],
    ['-60', -60],
    ['9223372036', 9223372036],
    ['-9223372036', -9223372036],
  ] as const)('reads %s as seconds', (text, want) => {
    expect(at(text)).toMatchObject({ result: { error: null }, ts: [want] });
  });

  // (ours): the reference stores these at the arrival time; behaviour.md section 5 marks reading them at their own time as ours
  it.each([
    ['9223372037', 9223372],
    ['1725620476214', 1725620476],
    ['9223372036854', 9223372036],
    ['9223372036855', 9223372],
    ['1725620476214474', 1725620476],
    ['9223372036854775', 9223372036],
    ['9223372036854776', 9223372],
    ['1725620476214474893', 1725620476],
    ['9223372036854775807', 9223372036],
    ['-1725620476214', -1725620477],
    ['-9223372037', -9223373],
  ] as const)('reads %s at its own time in the smallest unit that fits (ours)', (text, want) => {
    expect(at(text)).toMatchObject({ result: { error: null }, ts: [want] });
  });

  it('stamps the first line without timestamp with the arrival time, truncated to the second', () => {
    // `return defaultTime.Truncate(prec.Duration()), nil` with defaultTime = time.Now()
    expect(lp('one,cluster=c,hostname=h value=1\n', makeStore(), 'c', NOW + 0.75).store.exportHost('c', 'h', { unsavedOnly: false })
      ?.files[0].metrics.get('one')?.start).toBe(NOW);
  });

  // DELIBERATE: DecodeLine passes the previous line's time as the default,
  // `if t, err = dec.Time(lineprotocol.Second, t)`, so the reference stores a line without timestamp
  // after a timestamped one at that line's time. behaviour.md section 5: "No timestamp: now", as in
  // InfluxDB; a line's time does not depend on the line before it.
  it('stamps a later line without timestamp with the arrival time too', () => {
    const { store } = lp(`one,cluster=c,hostname=h value=1 ${T}\none,cluster=c,hostname=h value=2\n`);
    expect(points(store, 'c', 'h', [], 'one')).toEqual([[T, 1], [NOW, 2]]);
  });

  // DELIBERATE: once dec.Time(lineprotocol.Second, t) failed on a malformed timestamp, the decoder has
  // left the time section and the Millisecond/Microsecond/Nanosecond attempts return the default time,
  // so the reference stores the sample at the arrival time and answers 200. behaviour.md section 5:
  // a malformed line is a 400 naming it, the lines before it kept (docs/engine.md); a sample is
  // never filed under a time it does not carry.
  it.each([
    ['12a', 'invalid timestamp ("12a")'],
    ['1725620476.5', 'invalid timestamp ("1725620476.5")'],
    ['+1725620476', 'invalid timestamp ("+1725620476")'],
    ['-', 'invalid timestamp ("-"): invalid syntax'],
    ['123 x', 'unexpected text after timestamp ("x")'],
    ['9223372036854775808', 'invalid timestamp ("9223372036854775808"): line-protocol value out of range'],
    ['99999999999999999999', 'invalid timestamp ("99999999999999999999"): line-protocol value out of range'],
  ])('refuses the malformed timestamp %s, keeping the lines before it', (text, message) => {
    const body = `one,cluster=c,hostname=h value=1 ${T}\none,cluster=c,hostname=h value=2 ${text}\none,cluster=c,hostname=h value=3 ${T + 1}`;
    const { store, result } = lp(body);
    expect(result).toMatchObject({ accepted: 1, error: { message } });
    expect(points(store, 'c', 'h', [], 'one')).toEqual([[T, 1]]);
  });

  it.each(['12a', '1725620476.5', '+1725620476', '123 x', '-', '9223372036854775808', '99999999999999999999'])('names the line of the malformed timestamp %s', (text) => {
    for (const eol of ['\n', '\r\n', '']) {
      expect(lp(`one,cluster=c,hostname=h value=1 ${T}\none,cluster=c,hostname=h value=2 ${text}${eol}`).result.error?.line, eol).toBe(2);
    }
  });
});

describe('conformance: tags', () => {
  const one = (tags: string, text = '') => lp(`${text}one,cluster=c,hostname=h,${tags} value=1 ${T}\n`);

  it('builds type+type-id and stype+stype-id in any order', () => {
    const { store } = lp(
      `one,type-id=0,cluster=c,hostname=h,type=socket value=1 ${T}\n` +
      `one,stype-id=1,cluster=c,stype=memctrl,hostname=h,type=socket,type-id=0 value=2 ${T}\n`);
    expect(points(store, 'c', 'h', ['socket0'], 'one')).toEqual([[T, 1]]);
    expect(points(store, 'c', 'h', ['socket0', 'memctrl1'], 'one')).toEqual([[T, 2]]);
  });

  it('names a level by a type without id, an id without type, and a stype without id', () => {
    expect(childrenOf(one('type=socket').store, ['c', 'h'])).toEqual(['socket']);
    expect(childrenOf(one('type-id=3').store, ['c', 'h'])).toEqual(['3']);
    expect(childrenOf(one('type=socket,type-id=0,stype=memctrl').store, ['c', 'h', 'socket0'])).toEqual(['memctrl']);
  });

  it('ignores type=node but not its type-id', () => {
    // `case "type": if string(val) == "node" { break }`; "type-id" still appends
    expect(points(one('type=node').store, 'c', 'h', [], 'one')).toEqual([[T, 1]]);
    expect(childrenOf(one('type=node,type-id=0').store, ['c', 'h'])).toEqual(['0']);
  });

  // DELIBERATE: the reference appends the stype level only after a type (`if len(typeBuf) > 0 {
  // ...; if len(subTypeBuf) > 0 { selector = append(selector, string(subTypeBuf)) } }`), so the
  // devices of a node (cc-metric-collector's `type=node,stype=network,stype-id=eth0` and `lo`)
  // overwrite each other in the host's series. Ours: `<stype><stype-id>` is the level below the
  // host, as a type level would be (behaviour.md section 5, ours).
  it('stores a stype without a type as a device level below the host', () => {
    const { store } = lp(
      `one,cluster=c,hostname=h,type=node,stype=network,stype-id=eth0 value=1 ${T}\n` +
      `one,cluster=c,hostname=h,type=node,stype=network,stype-id=lo value=2 ${T}\n` +
      `one,stype-id=ib0,cluster=c,hostname=h,stype=network value=3 ${T}\n` +
      `one,cluster=c,hostname=h,stype-id=7 value=4 ${T}\n`);
    expect(points(store, 'c', 'h', [], 'one')).toEqual([]);
    expect(childrenOf(store, ['c', 'h']).sort()).toEqual(['7', 'networketh0', 'networkib0', 'networklo']);
    expect(points(store, 'c', 'h', ['networketh0'], 'one')).toEqual([[T, 1]]);
    expect(points(store, 'c', 'h', ['networklo'], 'one')).toEqual([[T, 2]]);
    expect(points(store, 'c', 'h', ['networkib0'], 'one')).toEqual([[T, 3]]);
    // a stype without id names the level by itself, as a type without id does
    expect(childrenOf(one('type=node,stype=memctrl').store, ['c', 'h'])).toEqual(['memctrl']);
  });

  it('keeps a stype below the level of a type-id without type', () => {
    // type=node is ignored but type-id still appends: the stype goes below it, as in the reference
    expect(childrenOf(one('type=node,type-id=0,stype=memctrl,stype-id=1').store, ['c', 'h', '0'])).toEqual(['memctrl1']);
  });

  it('concatenates repeated type and type-id tags like reorder() and append do', () => {
    // type=socket then type=core: reorder(typeBuf, "core") puts the later one in front
    expect(childrenOf(one('type=socket,type=core,type-id=1').store, ['c', 'h'])).toEqual(['coresocket1']);
    expect(childrenOf(one('type-id=0,type-id=1,type=socket').store, ['c', 'h'])).toEqual(['socket01']);
    expect(childrenOf(one('type=t,type-id=0,stype=a,stype=b,stype-id=1').store, ['c', 'h', 't0'])).toEqual(['ba1']);
  });

  it('takes the last of repeated cluster, hostname and host tags', () => {
    const { store } = lp(
      `one,cluster=x,cluster=y,hostname=a,hostname=b value=1 ${T}\n` +
      `one,cluster=c,host=p,hostname=q value=2 ${T}\n` +
      `one,cluster=c,hostname=q,host=p value=3 ${T}\n`);
    expect(points(store, 'y', 'b', [], 'one')).toEqual([[T, 1]]);
    expect(points(store, 'c', 'q', [], 'one')).toEqual([[T, 2]]);
    expect(points(store, 'c', 'p', [], 'one')).toEqual([[T, 3]]);
  });

  it('matches tag keys case-sensitively', () => {
    const { store } = lp(`one,cluster=c,Type=socket,type-id=0,HOSTNAME=x,hostname=h value=1 ${T}\n`);
    expect(childrenOf(store, ['c'])).toEqual(['h']);
    expect(childrenOf(store, ['c', 'h'])).toEqual(['0']);
  });

  it('refuses an empty tag value of a known metric', () => {
    for (const tags of ['hostname=', 'type=', 'foo=']) {
      expect(lp(`one,cluster=c,${tags} value=1 ${T}\n`).result.error?.line, tags).toBe(1);
    }
  });

  // DELIBERATE: the reference skips such a line with a warning and answers 200 (`cclog.Warnf("[METRICSTORE]>
  // rejecting metric with invalid cluster/host tag ..."); continue`). Ours rejects it (unsafe-name): the
  // answer is a 400 that says so, the other lines are stored (behaviour.md section 5).
  it('rejects a refused cluster or host name without reading the fields', () => {
    // `if !isValidPathComponent(cluster) || !isValidPathComponent(host) { continue }` comes before NextField
    const { result } = lp(`one,cluster=c,hostname=a/b value=abc ${T}\none,cluster=c,hostname=h value=1 ${T}\n`);
    expect(result).toMatchObject({ error: null, accepted: 1, skipped: 0, rejected: 1, reasons: { 'unsafe-name': 1 } });
  });

  it('accepts long metric, host and type names up to 255 bytes', () => {
    const long = 'm'.repeat(300);
    const store = makeStore({ metrics: { [long]: { frequency: 1, aggregation: null } } });
    expect(lp(`${long},cluster=c,hostname=h value=1 ${T}\n`, store).result.accepted).toBe(1);
    const h = 'h'.repeat(255);
    const { store: s2, result } = lp(`one,cluster=c,hostname=${h},type=${'t'.repeat(254)},type-id=1 value=1 ${T}\n`);
    expect(result.accepted).toBe(1);
    expect(childrenOf(s2, ['c', h])).toEqual(['t'.repeat(254) + '1']);
  });

  // DELIBERATE: the reference takes names of any length. Ours rejects a cluster or host name over 255
  // bytes like one with `..` or `/` (unsafe-name: a 400 that says so, the other lines stored): it is a
  // directory name of the checkpoints and the WAL, and NAME_MAX is 255 bytes (the reference cannot
  // write it to disk either). docs/engine.md.
  it('rejects a host or cluster name of 300 bytes and reads on', () => {
    const { store, result } = lp(
      `one,cluster=c,hostname=${'h'.repeat(300)} value=1 ${T}\n` +
      `one,cluster=${'c'.repeat(300)},hostname=h value=1 ${T}\n` +
      `one,cluster=c,hostname=h value=2 ${T}\n`);
    expect(result).toMatchObject({ accepted: 1, skipped: 0, rejected: 2, reasons: { 'unsafe-name': 2 }, error: null });
    expect(store.listChildren([])).toEqual(['c']);
    expect(childrenOf(store, ['c'])).toEqual(['h']);
  });

  // DELIBERATE: a type or stype name over 255 bytes cannot go into a WAL record (`u8 len` per level
  // name, formats.md); it is refused as a malformed line (400 naming it, the lines before it kept), while the
  // reference stores the sample below a level of that name.
  it('refuses a type name of 300 bytes', () => {
    const { store, result } = lp(`one,cluster=c,hostname=h value=1 ${T}\none,cluster=c,hostname=h,type=${'t'.repeat(300)},type-id=1 value=1 ${T}\n`);
    expect(result).toMatchObject({ accepted: 1, error: { line: 2 } });
    expect(childrenOf(store, ['c', 'h'])).toEqual([]);
  });
  // Not a difference from the reference (which takes the line): our own refusal names the
  // line itself, with or without a newline at its end.
  it('names the line of a refused long type or stype name', () => {
    const long = 't'.repeat(300);
    for (const eol of ['\n', '\r\n', '']) {
      const { result } = lp(`one,cluster=c,hostname=h value=1 ${T}\n\none,cluster=c,hostname=h,type=${long},type-id=1 value=1 ${T}${eol}`);
      expect(result.error).toEqual({ line: 3, message: expect.stringMatching(/^type name longer than 255 bytes/) });
      expect(result.accepted).toBe(1);
    }
    const stype = lp(`one,cluster=c,hostname=h,type=socket,type-id=0,stype=${long},stype-id=1 value=1\n`).result;
    expect(stype.error).toEqual({ line: 1, message: expect.stringMatching(/^stype name longer than 255 bytes/) });
    // a device level (a stype without a type) is a level name too
    const device = lp(`one,cluster=c,hostname=h,type=node,stype=${long},stype-id=1 value=1\n`).result;
    expect(device.error).toEqual({ line: 1, message: expect.stringMatching(/^stype name longer than 255 bytes/) });
  });
});

describe('conformance: the host level cached across lines', () => {
  // DecodeLine keeps `lvl` (the level of prevCluster/prevHost) and resets it only when a cluster
  // or host tag carries a different value; a line without such a tag writes into the cached level.
  // DELIBERATE: for a first line without hostname the reference creates the host level "" (and
  // cannot write its checkpoint: the path ends in the cluster directory). Ours rejects the line
  // (unsafe-name), the answer says so (behaviour.md section 5, ours).
  it('rejects a first line without hostname and creates no level', () => {
    const { store, result } = lp(`one,cluster=c value=1 ${T}\n`);
    expect(result).toMatchObject({ accepted: 0, rejected: 1, reasons: { 'unsafe-name': 1 } });
    expect(store.listChildren([])).toEqual([]);
  });

  it('keeps host levels apart when every line names its host', () => {
    const { store } = lp(`one,cluster=c,hostname=a value=1 ${T}\none,cluster=x,hostname=a value=2 ${T}\none,cluster=c,hostname=a value=3 ${T + 1}\n`);
    expect(points(store, 'c', 'a', [], 'one')).toEqual([[T, 1], [T + 1, 3]]);
    expect(points(store, 'x', 'a', [], 'one')).toEqual([[T, 2]]);
  });

  // DELIBERATE (a reference bug): the second line has no hostname tag, but DecodeLine resets `lvl`
  // only when a tag differs from prevHost/prevCluster (`if string(val) == prevHost { host = prevHost }
  // else { lvl = nil }`), so the reference writes the sample into c/h1. Ours reads every line by its
  // own tags: no hostname is the host "", rejected like a first line without hostname.
  it('rejects a line without hostname, whatever the line before it', () => {
    const { store, result } = lp(`one,cluster=c,hostname=h1 value=1 ${T}\none,cluster=c value=2 ${T + 1}\n`);
    expect(result).toMatchObject({ accepted: 1, rejected: 1, rejectedLines: [{ line: 2, reason: 'unsafe-name' }] });
    expect(points(store, 'c', 'h1', [], 'one')).toEqual([[T, 1]]);
    expect(childrenOf(store, ['c'])).toEqual(['h1']);
  });

  // DELIBERATE (a reference bug): no cluster tag means clusterDefault, but `lvl` is kept because the
  // host tag equals prevHost, so the reference writes the sample into x/h. Ours: the default cluster c.
  it('writes a line without cluster tag into the default cluster, whatever the line before it', () => {
    const { store } = lp(`one,cluster=x,hostname=h value=1 ${T}\none,hostname=h value=2 ${T + 1}\n`);
    expect(points(store, 'x', 'h', [], 'one')).toEqual([[T, 1]]);
    expect(points(store, 'c', 'h', [], 'one')).toEqual([[T + 1, 2]]);
  });
});
