/** The command line (`proxy`, `proxy validate`, `proxy demo`): citty definitions, our own dispatch and exit codes. */

import { defineCommand, runCommand } from 'citty';
import type { ArgsDef, CommandDef } from 'citty';
import type { RuntimeAdapter } from '../runtime-adapters/types.ts';
import { ProxyError } from './common/errors.ts';
import { isLogFormat, isLogLevel, LOG_FORMATS, LOG_LEVELS } from './common/log.ts';
import type { LogFormat, LogLevel } from './common/log.ts';
import { ConfigError } from './config/errors.ts';
import { didYouMeanSuffix } from './config/did-you-mean.ts';
import { parseDuration } from './config/duration.ts';
import type { ProxyConfig, WorkersSetting } from './config/types.ts';

/** What `proxy --config FILE …` asks the lead's `run` to do. */
export interface RunOptions {
  configPath: string;
  /** `--workers`; undefined: the config's `workers`. */
  workers: WorkersSetting | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** `--watch`: reload when the config file changes. */
  watch: boolean;
  /** `--drain-timeout`; undefined: the config's `drain_timeout`. */
  drainTimeoutMs: number | undefined;
}

/** What `proxy demo …` asks the lead's `runDemo` to do. */
export interface DemoOptions {
  workers: WorkersSetting | undefined;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

/**
 * Everything the CLI needs from outside. `run` and `runDemo` resolve when the proxy has stopped
 * (the CLI then exits 0); they throw `ConfigError`/`ProxyError` for problems the user must fix,
 * which are printed without a stack trace and exit 1.
 */
export interface CliDeps {
  adapter: RuntimeAdapter;
  version: string;
  commit: string;
  /** Reads and validates a config file (`validate`); throws `ConfigError` listing every problem. */
  loadConfig(path: string): Promise<ProxyConfig>;
  run(opts: RunOptions): Promise<void>;
  runDemo(opts: DemoOptions): Promise<void>;
}

/** A command line that cannot be acted on (unknown flag, bad value). */
export class UsageError extends ProxyError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}

const BIN = 'proxy';
const MAX_WORKERS = 1024;

const helpArg = {
  help: { type: 'boolean', alias: 'h', description: 'Show this help and exit' },
} as const satisfies ArgsDef;

const logArgs = {
  'log-level': { type: 'string', valueHint: LOG_LEVELS.join('|'), description: 'Least severe log lines written', default: 'info' },
  'log-format': { type: 'string', valueHint: LOG_FORMATS.join('|'), description: 'human: readable lines (coloured on a terminal); json: one JSON object per line', default: 'human' },
} as const satisfies ArgsDef;

const workersArg = {
  workers: { type: 'string', valueHint: 'auto|N', description: 'Worker threads, auto = one per CPU (overrides `workers` in the config)' },
} as const satisfies ArgsDef;

const serveArgs = {
  config: { type: 'string', alias: 'c', valueHint: 'file', description: 'YAML config file to run (required)' },
  ...workersArg,
  ...logArgs,
  watch: { type: 'boolean', description: 'Reload the config when the file changes (SIGHUP and POST /admin/reload always work)' },
  'drain-timeout': { type: 'string', valueHint: 'duration', description: 'How long shutdown waits for in-flight requests, e.g. 30s (overrides `drain_timeout`)' },
  version: { type: 'boolean', alias: 'v', description: 'Print the version and build commit, then exit' },
  ...helpArg,
} as const satisfies ArgsDef;

const validateArgs = {
  config: { type: 'string', alias: 'c', valueHint: 'file', description: 'YAML config file to check (required)' },
  ...helpArg,
} as const satisfies ArgsDef;

const demoArgs = {
  ...workersArg,
  ...logArgs,
  ...helpArg,
} as const satisfies ArgsDef;

const EXAMPLES = [
  'EXAMPLES',
  '',
  `  ${BIN} --config config.yaml                 run the proxy`,
  `  ${BIN} --config config.yaml --workers 4     run with 4 worker threads`,
  `  ${BIN} validate --config config.yaml        check a config without starting`,
  `  ${BIN} demo                                 run config.example.yaml with two demo upstreams`,
].join('\n');

function parseWorkers(value: unknown): WorkersSetting | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return 'auto';
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new UsageError(`--workers: expected auto or an integer from 1 to ${MAX_WORKERS}, found ${JSON.stringify(value)}`);
  }
  return n;
}

function parseLogLevel(value: unknown): LogLevel {
  if (isLogLevel(value)) return value;
  throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, found ${JSON.stringify(value)}`);
}

function parseLogFormat(value: unknown): LogFormat {
  if (isLogFormat(value)) return value;
  throw new UsageError(`--log-format: expected one of ${LOG_FORMATS.join(', ')}, found ${JSON.stringify(value)}`);
}

function parseDrainTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const result = parseDuration(value);
  if (!result.ok) throw new UsageError(`--drain-timeout: ${result.message}`);
  return result.ms;
}

function requireConfig(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new UsageError('--config FILE is required');
  return value;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The citty command tree: `proxy` (runs the proxy) with subcommands `validate` and `demo`. */
export function buildCli(deps: CliDeps) {
  const out = (text: string): void => deps.adapter.writeStdout(`${text}\n`);

  const validate = defineCommand({
    meta: { name: 'validate', description: 'Check a config file and exit: 0 if it is valid, 1 with every problem listed if not' },
    args: validateArgs,
    async run({ args }) {
      const path = requireConfig(args.config);
      const config = await deps.loadConfig(path);
      out(`config OK: ${plural(config.listeners.length, 'listener')}, ${plural(config.clusters.length, 'cluster')}`);
      return 0;
    },
  });

  const demo = defineCommand({
    meta: { name: 'demo', description: 'Run config.example.yaml together with the two demo upstreams it points at' },
    args: demoArgs,
    async run({ args }) {
      await deps.runDemo({
        workers: parseWorkers(args.workers),
        logLevel: parseLogLevel(args['log-level']),
        logFormat: parseLogFormat(args['log-format']),
      });
      return 0;
    },
  });

  return defineCommand({
    meta: { name: BIN, version: deps.version, description: 'An Envoy-style HTTP/1 reverse proxy for Bun, Deno and Node' },
    args: serveArgs,
    subCommands: { validate, demo },
    async run({ args }) {
      await deps.run({
        configPath: requireConfig(args.config),
        workers: parseWorkers(args.workers),
        logLevel: parseLogLevel(args['log-level']),
        logFormat: parseLogFormat(args['log-format']),
        watch: args.watch === true,
        drainTimeoutMs: parseDrainTimeout(args['drain-timeout']),
      });
      return 0;
    },
  });
}

type Command = CommandDef<ArgsDef>;

interface Flag {
  takesValue: boolean;
  boolean: boolean;
}

function flagTable(argsDef: ArgsDef): Map<string, Flag> {
  const table = new Map<string, Flag>();
  for (const [name, def] of Object.entries(argsDef)) {
    const flag = { takesValue: def.type === 'string' || def.type === 'enum', boolean: def.type === 'boolean' };
    table.set(`--${name}`, flag);
    if (flag.boolean) table.set(`--no-${name}`, flag);
    const aliases = 'alias' in def && def.alias !== undefined ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
    for (const alias of aliases) table.set(alias.length === 1 ? `-${alias}` : `--${alias}`, flag);
  }
  return table;
}

function unknownOption(flagName: string, table: Map<string, Flag>): UsageError {
  const known = [...table.keys()].filter((k) => k.startsWith('--') && !k.startsWith('--no-'));
  return new UsageError(`unknown option ${flagName}${didYouMeanSuffix(flagName, known)}`);
}

/**
 * Reject what citty would silently ignore: unknown flags, flags missing their value, stray
 * arguments. Returns the positional arguments in order.
 */
function checkArgs(argsDef: ArgsDef, rawArgs: readonly string[]): string[] {
  const table = flagTable(argsDef);
  const positionals: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] ?? '';
    if (arg === '--') {
      positionals.push(...rawArgs.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const flagName = equals === -1 ? arg : arg.slice(0, equals);
    const flag = table.get(flagName);
    if (flag === undefined) throw unknownOption(flagName, table);
    if (flag.takesValue && equals === -1) {
      const value = rawArgs[i + 1];
      if (value === undefined || (value.startsWith('-') && value !== '-')) throw new UsageError(`${flagName} needs a value`);
      i++;
    }
  }
  return positionals;
}

/** Split off the subcommand: the first argument that is not a flag or a flag's value. */
function splitCommand(rawArgs: readonly string[], root: Command): { name: string | undefined; args: string[] } {
  const table = flagTable(serveArgs);
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      const flag = table.get(arg.split('=')[0] ?? arg);
      // An unknown flag may take a value we cannot recognize as one: say so before guessing.
      if (flag === undefined) throw unknownOption(arg.split('=')[0] ?? arg, table);
      if (!arg.includes('=') && flag.takesValue) i++;
      continue;
    }
    const subCommands = root.subCommands as Record<string, unknown>;
    if (Object.hasOwn(subCommands, arg)) return { name: arg, args: [...rawArgs.slice(0, i), ...rawArgs.slice(i + 1)] };
    const hint = /\.ya?ml$/i.test(arg) ? ` (to run a config file: ${BIN} --config ${arg})` : didYouMeanSuffix(arg, Object.keys(subCommands));
    throw new UsageError(`unknown command "${arg}"${hint}`);
  }
  return { name: undefined, args: [...rawArgs] };
}

function optionLabel(name: string, def: ArgsDef[string]): string {
  const aliases = 'alias' in def && def.alias !== undefined ? (Array.isArray(def.alias) ? def.alias : [def.alias]) : [];
  const short = aliases.find((a) => a.length === 1);
  const value = def.type === 'string' || def.type === 'enum' ? ` <${def.valueHint ?? 'value'}>` : '';
  return `${short === undefined ? '    ' : `-${short}, `}--${name}${value}`;
}

// citty's renderUsage right-aligns flags and pads with colour codes counted as width; this
// renders plain, left-aligned columns instead.
function renderHelp(command: Command, commandName: string, subCommands: Record<string, Command> | undefined, version: string): string {
  const meta = (command.meta ?? {}) as { description?: string };
  const args = (command.args ?? {}) as ArgsDef;
  const lines: string[] = [`${commandName}${subCommands === undefined ? '' : ` ${version}`} — ${meta.description ?? ''}`, ''];
  const needsConfig = 'config' in args;
  lines.push(`USAGE  ${commandName}${needsConfig ? ' --config FILE' : ''} [OPTIONS]`);
  if (subCommands !== undefined) lines.push(`       ${commandName} <${Object.keys(subCommands).join('|')}> [OPTIONS]`);
  lines.push('', 'OPTIONS', '');
  const rows = Object.entries(args).map(([name, def]) => {
    const defaultText = def.default === undefined ? '' : ` (default: ${String(def.default)})`;
    return [optionLabel(name, def), `${def.description ?? ''}${defaultText}`] as const;
  });
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, text] of rows) lines.push(`  ${label.padEnd(width)}   ${text}`);
  if (subCommands !== undefined) {
    lines.push('', 'COMMANDS', '');
    const commandWidth = Math.max(...Object.keys(subCommands).map((n) => n.length));
    for (const [name, sub] of Object.entries(subCommands)) {
      lines.push(`  ${name.padEnd(commandWidth)}   ${((sub.meta ?? {}) as { description?: string }).description ?? ''}`);
    }
    lines.push('', `Run "${commandName} <command> --help" for a command's options.`);
  }
  lines.push('', EXAMPLES);
  return lines.join('\n');
}

function wantsHelp(rawArgs: readonly string[]): boolean {
  const end = rawArgs.indexOf('--');
  return (end === -1 ? rawArgs : rawArgs.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

const ANSI_RE = /\x1b\[[0-9;]*m/g;

/**
 * Parse `rawArgs` (the adapter's `args()`), run the command, and return the exit code. Never
 * exits by itself (citty's `runMain` would): the entry passes the code to `adapter.exit`.
 * Errors are printed to stderr as one message, never with a stack trace (except unexpected ones
 * under `--log-level debug`).
 */
export async function runCli(deps: CliDeps, rawArgs: readonly string[]): Promise<number> {
  const { adapter } = deps;
  const tty = adapter.isTty();
  const plain = (text: string): string => (tty ? text : text.replace(ANSI_RE, ''));
  const out = (text: string): void => adapter.writeStdout(`${plain(text)}\n`);
  const err = (text: string): void => adapter.writeStderr(`${plain(text)}\n`);
  const root = buildCli(deps) as Command;
  // The help of the command the user ran: `proxy validate --help` lists validate's options.
  let helpCommand = `${BIN} --help`;
  try {
    const { name, args } = splitCommand(rawArgs, root);
    if (name !== undefined) helpCommand = `${BIN} ${name} --help`;
    const subCommands = root.subCommands as Record<string, Command>;
    const command: Command = name === undefined ? { ...root, subCommands: undefined } : (subCommands[name] as Command);
    if (wantsHelp(args)) {
      out(name === undefined ? renderHelp(root, BIN, subCommands, deps.version) : renderHelp(command, `${BIN} ${name}`, undefined, deps.version));
      return 0;
    }
    if (name === undefined && args.some((a) => a === '--version' || a === '-v')) {
      out(`${BIN} ${deps.version} (commit ${deps.commit}) on ${adapter.name} ${adapter.version}`);
      return 0;
    }
    const positionals = checkArgs((command.args ?? {}) as ArgsDef, args);
    if (positionals.length > 0) {
      const hint = /\.ya?ml$/i.test(positionals[0] ?? '') ? ` (did you mean --config ${positionals[0]}?)` : '';
      throw new UsageError(`unexpected argument "${positionals[0]}"${hint}`);
    }
    const { result } = await runCommand(command, { rawArgs: args });
    return typeof result === 'number' ? result : 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.format());
    } else if (error instanceof UsageError) {
      err(`${BIN}: ${error.message}\nRun "${helpCommand}" for usage.`);
    } else if (error instanceof Error && error.name === 'CLIError') {
      // citty's own complaints (it colours them); same treatment as ours.
      err(`${BIN}: ${error.message.replace(ANSI_RE, '')}\nRun "${helpCommand}" for usage.`);
    } else if (error instanceof ProxyError) {
      err(`${BIN}: ${error.message}`);
    } else {
      const debug = rawArgs.some((a, i) => a === '--log-level=debug' || (a === '--log-level' && rawArgs[i + 1] === 'debug'));
      const detail = error instanceof Error ? (debug && error.stack ? error.stack : error.message) : String(error);
      err(`${BIN}: unexpected error: ${detail}`);
    }
    return 1;
  }
}
