/** The error a config file that cannot be used raises: every problem found, each with its field path. */

import { ProxyError } from '../common/errors.ts';

/** One problem in a config file. */
export interface ConfigIssue {
  /** Field path such as `clusters[1].endpoints[0].port`; empty for the whole file. */
  path: string;
  /** What was expected and what was found. */
  message: string;
  /** 1-based position in the file when known. */
  line?: number;
  column?: number;
}

/** Thrown by `parseConfig`/`loadConfig`; `message` is the full multi-line `format()` text. */
export class ConfigError extends ProxyError {
  readonly fileName: string;
  readonly issues: readonly ConfigIssue[];

  constructor(fileName: string, issues: readonly ConfigIssue[]) {
    super('CONFIG_INVALID', formatIssues(fileName, issues));
    this.name = 'ConfigError';
    this.fileName = fileName;
    this.issues = issues;
  }

  /** One line per issue (`file: path: message (line L, column C)`), for a terminal or a log. */
  format(): string {
    return formatIssues(this.fileName, this.issues);
  }

  /** One string per issue, formatted as in `format()` (a reload's answer lists them). */
  issueLines(): string[] {
    return this.issues.map((issue) => formatIssue(this.fileName, issue));
  }
}

function formatIssue(fileName: string, issue: ConfigIssue): string {
  const where = issue.path === '' ? fileName : `${fileName}: ${issue.path}`;
  const position = issue.line === undefined ? '' : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  // A multi-line message (a YAML excerpt) keeps its position on the first line.
  const newline = issue.message.indexOf('\n');
  if (newline === -1) return `${where}: ${issue.message}${position}`;
  return `${where}: ${issue.message.slice(0, newline)}${position}${issue.message.slice(newline)}`;
}

function formatIssues(fileName: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => formatIssue(fileName, issue));
  if (issues.length > 1) lines.unshift(`${fileName}: ${issues.length} errors`);
  return lines.join('\n');
}
