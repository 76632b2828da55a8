// Readers for the files in deploy/: a systemd unit (sections of Key=Value
// lines) and a Dockerfile (instructions, continuation lines joined, split
// into build stages). Only as much syntax as those files use; anything else
// is an error, so a typo does not pass unread.

export type Unit = Record<string, Record<string, string[]>>;

export function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | null = null;
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = unit[header[1]!] ??= {};
      continue;
    }
    const entry = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!entry || !section) throw new Error(`unit line ${i + 1}: not a section header or Key=Value inside a section: ${raw}`);
    (section[entry[1]!] ??= []).push(entry[2]!);
  }
  return unit;
}

/** systemd's time spans as the unit uses them: "90", "90s", "5min", "10min 30s", "1h". */
export function unitSeconds(span: string): number {
  const units: Record<string, number> = { '': 1, s: 1, sec: 1, m: 60, min: 60, h: 3600 };
  let total = 0;
  for (const part of span.trim().split(/\s+/)) {
    const match = /^(\d+)([a-z]*)$/.exec(part);
    if (!match || units[match[2]!] === undefined) throw new Error(`not a time span: ${span}`);
    total += Number(match[1]) * units[match[2]!]!;
  }
  return total;
}

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

const KEYWORDS = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const whole = pending + line;
    pending = '';
    const match = /^([A-Za-z]+)\s+(.*)$/.exec(whole);
    const keyword = match?.[1]!.toUpperCase();
    if (!match || !KEYWORDS.has(keyword!)) throw new Error(`not a Dockerfile instruction: ${whole}`);
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(match[2]!);
      if (!from) throw new Error(`FROM: ${whole}`);
      stages.push({ from: from[1]!, name: from[2] ?? null, instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`${keyword} before FROM`);
    stages.at(-1)!.instructions.push({ keyword: keyword!, args: match[2]! });
  }
  return stages;
}

/** The arguments of an exec-form instruction (ENTRYPOINT ["node", ...]); null for the shell form. */
export function execForm(args: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(args);
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : null;
  } catch {
    return null;
  }
}
