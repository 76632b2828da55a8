// Command-line flags parsed like Go's flag package, so the reference's
// invocations work unchanged: -flag, --flag, -flag=value, -flag value, and
// -flag=false for booleans; parsing stops at "--" or the first non-flag.

export interface Flags {
  config: string | undefined;
  dev: boolean;
  cleanupCheckpoints: boolean;
  loglevel: string;
  logdate: boolean;
  /** (ours) `text` or `json`. */
  logformat: string;
  version: boolean;
  help: boolean;
}

interface FlagSpec {
  name: keyof Omit<Flags, 'help'>;
  /** On the command line, when it differs from `name`. */
  flag?: string;
  kind: 'bool' | 'string';
  /** Name of the value in the usage text. */
  valueName?: string;
  usage: string;
  defaultText?: string;
}

const SPECS: readonly FlagSpec[] = [
  {
    name: 'cleanupCheckpoints',
    flag: 'cleanup-checkpoints',
    kind: 'bool',
    usage: 'Clean up old checkpoint files (delete or archive) based on retention settings, then exit',
  },
  { name: 'config', kind: 'string', valueName: 'path', usage: 'Specify alternative path to `config.json`', defaultText: '"./config.json"' },
  { name: 'dev', kind: 'bool', usage: 'Enable development component: Swagger UI at /swagger/' },
  { name: 'logdate', kind: 'bool', usage: 'Set this flag to add date and time to log messages' },
  {
    name: 'logformat',
    kind: 'string',
    valueName: '[text (default), json]',
    usage: 'Log lines as text (systemd priority prefixes) or one JSON object per line (time, level, message, fields)',
    defaultText: '"text"',
  },
  {
    name: 'loglevel',
    kind: 'string',
    valueName: '[debug, info, warn (default), err, crit]',
    usage: 'Sets the logging level',
    defaultText: '"warn"',
  },
  { name: 'version', kind: 'bool', usage: 'Show version information and exit' },
];

export class FlagError extends Error {
  override name = 'FlagError';
}

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

export function parseFlags(args: readonly string[]): Flags {
  const flags: Flags = { config: undefined, dev: false, cleanupCheckpoints: false, loglevel: 'warn', logdate: false, logformat: 'text', version: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      if (i + 1 < args.length) throw new FlagError(`unexpected argument: ${args[i + 1]}`);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') throw new FlagError(`unexpected argument: ${arg}`);
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    if (name === 'h' || name === 'help') {
      flags.help = true;
      continue;
    }
    const spec = SPECS.find((s) => (s.flag ?? s.name) === name);
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    if (spec.kind === 'bool') {
      if (inline === undefined || TRUE.includes(inline)) (flags[spec.name] as boolean) = true;
      else if (FALSE.includes(inline)) (flags[spec.name] as boolean) = false;
      else throw new FlagError(`invalid boolean value "${inline}" for -${name}`);
    } else {
      const value = inline ?? args[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: -${name}`);
      (flags[spec.name] as string) = value;
    }
  }
  return flags;
}

export function usage(program: string): string {
  const lines = [`Usage of ${program}:`];
  for (const spec of SPECS) {
    lines.push(`  -${spec.flag ?? spec.name}${spec.valueName ? ' ' + spec.valueName : ''}`);
    lines.push(`    \t${spec.usage}${spec.defaultText ? ` (default ${spec.defaultText})` : ''}`);
  }
  return lines.join('\n') + '\n';
}
