#!/usr/bin/env node
// Fails when a file in the repository refers to a document the repository does not contain.
//
//   node tools/docs/links.mjs           list every broken reference (exit 1 if there is one)
//   node tools/docs/links.mjs --check   the same, quiet when all is well (CI)
//
// What is checked, in every tracked (or new, not ignored) text file:
// - Markdown links and images, `[text](target)` / `![alt](target)`: the target, relative to the
//   file, must exist; a `#fragment` on a Markdown target must name one of its headings (GitHub's
//   anchor rules). External links (`https:`, `mailto:`) are not fetched.
// - Mentions of a Markdown document anywhere else — code comments, test names, inline code:
//   `docs/extending.md`, `README.md`, `architecture.md`. A mention with a directory must
//   resolve from the file's folder or from the repository root; a bare file name must be the name
//   of some document in the repository.
// - Any relative path that climbs out of the repository, and any absolute `/work/…` path: a clone
//   has neither.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const quiet = process.argv.includes('--check');

const TEXT =
  /\.(md|ts|cts|mts|mjs|cjs|js|json|ya?ml|html|scss|css|sh|conf|tmpl__|txt)$|(^|\/)(Dockerfile[^/]*|\.env\.example|run)$/;
/** Files whose content is data or generated from elsewhere (and quotes third-party text). */
const SKIP = /(^|\/)(package-lock\.json|node_modules\/.*)$|\.generated\.ts$/;
/** Absolute paths of the machine the repository was written on. */
const ABSOLUTE_OUTSIDE = /(?<![\w.-])\/work\/[\w.-]+/g;

function files() {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(out.split('\0').filter(Boolean))].filter(
    (f) => TEXT.test(f) && !SKIP.test(f) && existsSync(join(root, f)),
  );
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces → '-', repeats numbered. */
function anchorsOf(markdown) {
  const anchors = new Set();
  const seen = new Map();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*_~]/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

const anchorCache = new Map();
function hasAnchor(absFile, fragment) {
  if (!anchorCache.has(absFile)) anchorCache.set(absFile, anchorsOf(readFileSync(absFile, 'utf8')));
  return anchorCache.get(absFile).has(decodeURIComponent(fragment).toLowerCase());
}

/** Markdown text without fenced blocks (shell examples are not references). */
function withoutFences(text) {
  let fence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fence = !fence;
        return '';
      }
      return fence ? '' : line;
    })
    .join('\n');
}

function lineOf(text, index) {
  return text.slice(0, index).split('\n').length;
}

const all = files();
const documentNames = new Set(all.filter((f) => f.endsWith('.md')).map((f) => basename(f)));
const problems = [];

for (const file of all) {
  const text = readFileSync(join(root, file), 'utf8');
  const dir = dirname(file);
  const report = (index, message) => problems.push(`${file}:${lineOf(text, index)}: ${message}`);

  for (const m of text.matchAll(ABSOLUTE_OUTSIDE)) report(m.index, `refers to a path outside the repository: ${m[0]}`);
  for (const m of text.matchAll(/(?<![\w./-])((?:\.\.\/)+[\w.-]+)/g)) {
    if (posix.normalize(posix.join(dir, m[1])).startsWith('..')) {
      report(m.index, `refers to a path outside the repository: ${m[1]}`);
    }
  }

  const linked = new Set();
  if (file.endsWith('.md')) {
    const body = withoutFences(text);
    for (const m of body.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      const [pathPart, fragment] = target.split('#');
      const abs = pathPart === '' ? join(root, file) : resolve(root, dir, decodeURIComponent(pathPart));
      if (pathPart !== '') linked.add(relative(root, abs));
      if (pathPart.startsWith('/')) {
        report(m.index, `link to an absolute path: ${target}`);
      } else if (!existsSync(abs)) {
        report(m.index, `link to a missing file: ${target}`);
      } else if (fragment && abs.endsWith('.md') && statSync(abs).isFile() && !hasAnchor(abs, fragment)) {
        report(m.index, `link to a missing heading: ${target}`);
      }
    }
  }

  // Mentions of a document in prose, comments, strings and inline code.
  const scan = file.endsWith('.md') ? withoutFences(text) : text;
  const noUrls = scan.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s)'"`>]+/gi, (u) => ' '.repeat(u.length));
  for (const m of noUrls.matchAll(/(?<![\w./-])((?:\.{1,2}\/)*(?:[\w@.-]+\/)*[\w.-]+\.md)(?![\w-])/g)) {
    const mention = m[1];
    if (mention.includes('__')) continue; // generator templates (README.md__tmpl__)
    const candidates = [posix.normalize(posix.join(dir, mention)), posix.normalize(mention)];
    if (candidates.some((c) => linked.has(c))) continue;
    const found = mention.includes('/')
      ? candidates.some((c) => !c.startsWith('..') && existsSync(join(root, c)))
      : documentNames.has(mention);
    if (!found) report(m.index, `mentions a document the repository does not contain: ${mention}`);
  }
}

if (problems.length > 0) {
  console.error(`Broken document references (${problems.length}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  process.exit(1);
}
if (!quiet) console.log(`Every document reference in ${all.length} files resolves.`);
