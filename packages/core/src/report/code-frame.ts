import fs from 'node:fs';
import path from 'node:path';
import type { Site } from '../finding.js';

const sources = new Map<string, string[] | null>();

function lines(file: string): string[] | null {
  if (!sources.has(file)) {
    try {
      sources.set(file, fs.readFileSync(file, 'utf8').split(/\r?\n/));
    } catch {
      sources.set(file, null);
    }
  }
  return sources.get(file) ?? null;
}

/** The site's line with one line of context each side and a caret under the column; empty if unreadable. */
export function codeFrame(root: string, site: Site, context = 1): string[] {
  const src = lines(path.resolve(root, site.file));
  if (!src || site.line > src.length) return [];
  const first = Math.max(1, site.line - context);
  const last = Math.min(src.length, site.line + context);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === site.line ? '>' : ' ';
    const text = (src[n - 1] ?? '').replace(/\t/g, '  ');
    out.push(`${marker} ${String(n).padStart(width)} | ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`);
    if (n === site.line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, site.column - 1))}^`);
  }
  return out;
}
