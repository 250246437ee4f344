/** Foundation acceptance 5: no file under src/ imports a runtime or touches Bun, Deno or process. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/** What a scan keeps of a source file: code without comments, and code without comments or string contents. */
interface Stripped {
  /** Comments removed; strings and template text kept (import specifiers live there). */
  code: string;
  /** Comments removed and string/template text blanked: only what executes. */
  bare: string;
}

const REGEX_BEFORE = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_AFTER_WORDS = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/;

/**
 * Removes comments with a small lexer that knows strings, template literals (with nested `${}`)
 * and regex literals, so `'http://x'` or `/\/\*‍/` is not mistaken for a comment.
 */
function stripComments(src: string): Stripped {
  let code = '';
  let bare = '';
  const emit = (text: string, isCode: boolean) => {
    code += text;
    bare += isCode ? text : text.replace(/[^\n]/g, ' ');
  };
  /** Brace depth at which each open template's `${` began; code runs while this is non-empty. */
  const templates: number[] = [];
  let depth = 0;
  let i = 0;
  const n = src.length;
  const readTemplate = () => {
    // At the character after a backtick, or after the `}` closing an interpolation.
    const start = i;
    while (i < n) {
      const c = src[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '`') {
        emit(src.slice(start, i), false);
        emit('`', true);
        i++;
        return;
      }
      if (c === '$' && src[i + 1] === '{') {
        emit(src.slice(start, i), false);
        emit('${', true);
        i += 2;
        templates.push(depth);
        depth++;
        return;
      }
      i++;
    }
    emit(src.slice(start, i), false);
  };
  while (i < n) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      // Keep line breaks so line numbers in messages stay right.
      emit(src.slice(i, stop).replace(/[^\n]/g, ''), true);
      emit(' ', true);
      i = stop;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      emit(c, true);
      emit(src.slice(i + 1, j), false);
      emit(c, true);
      i = j + 1;
      continue;
    }
    if (c === '`') {
      emit('`', true);
      i++;
      readTemplate();
      continue;
    }
    if (c === '/') {
      // A slash starts a regex where an operand is expected, otherwise it divides.
      const before = code.trimEnd();
      const prev = before.slice(-1);
      if (REGEX_BEFORE.has(prev) || REGEX_AFTER_WORDS.test(before)) {
        let j = i + 1;
        let inClass = false;
        while (j < n && src[j] !== '\n') {
          const d = src[j];
          if (d === '\\') {
            j += 2;
            continue;
          }
          if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
          j++;
        }
        emit('/', true);
        emit(src.slice(i + 1, j), false);
        emit('/', true);
        i = j + 1;
        continue;
      }
    }
    if (c === '{') depth++;
    if (c === '}') {
      depth--;
      if (templates.length > 0 && templates[templates.length - 1] === depth) {
        templates.pop();
        emit('}', true);
        i++;
        readTemplate();
        continue;
      }
    }
    emit(c, true);
    i++;
  }
  return { code, bare };
}

/** A runtime module specifier: `node:*`, `bun`, `bun:*`, `deno`. */
const RUNTIME_SPECIFIER = String.raw`(?:node:[^'"]*|bun(?::[^'"]*)?|deno)`;
const IMPORT_PATTERNS: RegExp[] = [
  new RegExp(String.raw`\bfrom\s*['"]${RUNTIME_SPECIFIER}['"]`, 'g'),
  new RegExp(String.raw`\bimport\s*['"]${RUNTIME_SPECIFIER}['"]`, 'g'),
  new RegExp(String.raw`\bimport\s*\(\s*['"]${RUNTIME_SPECIFIER}['"]`, 'g'),
  new RegExp(String.raw`\brequire\s*\(\s*['"]${RUNTIME_SPECIFIER}['"]`, 'g'),
  /\bglobalThis\s*\[\s*['"](?:Bun|Deno|process)['"]/g,
  /['"](?:Bun|Deno|process)['"]\s*in\s+globalThis\b/g,
];
/**
 * A global used as code (`Deno.exit`, `typeof Bun`, `globalThis.process`). Not a runtime global:
 * a property (`parser.process(...)`), an object key or a method named the same (`process(buf) {`).
 */
const GLOBAL_PATTERN = /(?<![\w$]|\.\s*)(?:Bun|Deno|process)(?![\w$]|\s*\??:|\s*\()|\bglobalThis\s*\.\s*(?:Bun|Deno|process)\b/g;

interface Violation {
  line: number;
  text: string;
}

/** Every runtime import or runtime global in one TypeScript source. */
function findViolations(src: string): Violation[] {
  const { code, bare } = stripComments(src);
  const found: Violation[] = [];
  const lineOf = (index: number) => code.slice(0, index).split('\n').length;
  const add = (text: string, index: number) => found.push({ line: lineOf(index), text: text.trim() });
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of code.matchAll(pattern)) add(m[0], m.index);
  }
  for (const m of bare.matchAll(GLOBAL_PATTERN)) add(m[0], m.index);
  return found.sort((a, b) => a.line - b.line);
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

describe('the scanner', () => {
  it('finds runtime imports of every form', () => {
    const src = [
      "import { readFile } from 'node:fs/promises';",
      'import type { Server } from "node:net";',
      "import 'node:process';",
      "const m = await import('bun');",
      "export * from 'deno';",
      "import { Database } from 'bun:sqlite';",
      "const os = require('node:os');",
    ].join('\n');
    assert.deepEqual(
      findViolations(src).map((v) => v.line),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });

  it('finds Bun, Deno and process used as globals, also through globalThis', () => {
    const src = [
      'const v = Bun.version;',
      'Deno.exit(1);',
      'if (process.env.X) {}',
      'const p = globalThis.process;',
      "const d = globalThis['Deno'];",
      'const t = `${process.pid}`;',
      "if (typeof Bun !== 'undefined') {}",
      "const isDeno = 'Deno' in globalThis;",
    ].join('\n');
    assert.deepEqual(
      findViolations(src).map((v) => v.line),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });

  it('ignores comments, string contents, other packages and look-alike names', () => {
    const src = [
      '// import x from "node:fs"; Bun.serve(); process.exit()',
      '/* Deno.listen({ reusePort: true }) and',
      '   process.env */',
      "const url = 'http://x'; const msg = 'the process. Deno. Bun.';",
      'const t = `node:fs in text, ${name} then process. again`;',
      "import { z } from 'zod';",
      "import { parse } from 'yaml'; // from 'node:fs'",
      'const a = job.process.run(); const b = myProcess.x; const c = bundle.x;',
      'class P { private process(buf: Uint8Array): void { this.process(buf); } }',
      "const meta = { process: 1, Deno: 'no', Bun?: 2 };",
      'const re = /\\/\\/ process./; const afterRe = 1;',
    ].join('\n');
    assert.deepEqual(findViolations(src), []);
  });

  it('keeps scanning code after strings and regexes that contain comment markers', () => {
    const src = ["const u = 'http://a/*';", 'const r = /\\/*x/g;', 'Deno.exit(0);'].join('\n');
    assert.deepEqual(
      findViolations(src).map((v) => v.line),
      [3],
    );
  });
});

describe('src/ is portable', () => {
  const files = tsFiles(SRC);

  it('has TypeScript files to scan', () => {
    assert.ok(files.length > 50, `found ${files.length} .ts files under ${SRC}`);
  });

  it('no file under src/ imports node:*, bun or deno, or uses the Bun, Deno or process globals', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const v of findViolations(readFileSync(file, 'utf8'))) {
        problems.push(`src/${relative(SRC, file).split('\\').join('/')}:${v.line}: ${v.text}`);
      }
    }
    assert.deepEqual(problems, [], `runtime-specific code belongs in runtime-adapters/:\n${problems.join('\n')}`);
  });
});
