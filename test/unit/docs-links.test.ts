/**
 * The README and docs/ stand on their own: every relative link resolves to a file inside the
 * repository (and, for a Markdown page, to a heading when it names one), and nothing points at
 * material outside it. Code comments that cite a document cite one that exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

function markdownFiles(): string[] {
  const docs = join(ROOT, 'docs');
  const out = [join(ROOT, 'README.md')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) out.push(path);
    }
  };
  walk(docs);
  return out;
}

/** The text outside fenced code blocks and inline code spans. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** `[text](target)` and `![alt](target)`, outside code. */
function links(text: string): string[] {
  return [...prose(text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = (m[1] as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const files = markdownFiles();

describe('README and docs/', () => {
  it('has pages to check', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    const name = relative(ROOT, file);
    const text = readFileSync(file, 'utf8');

    it(`${name}: every relative link resolves inside the repository`, () => {
      const broken: string[] = [];
      for (const link of links(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? file : resolve(dirname(file), decodeURI(path));
        if (!target.startsWith(ROOT + sep) && target !== ROOT) {
          broken.push(`${link} (outside the repository)`);
          continue;
        }
        if (!existsSync(target)) {
          broken.push(`${link} (no such file)`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${link} (no such heading)`);
        }
      }
      expect(broken).toEqual([]);
    });

    it(`${name}: points at nothing outside the repository`, () => {
      expect(text).not.toMatch(/\.\.\/shared|design\/(api|product|architecture)\.md|research\/[a-z-]+\.md/);
    });
  }
});

describe('code comments', () => {
  it('cite documents that exist in the repository', () => {
    const cited = new Map<string, string[]>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|tsx|mjs)$/.test(name)) {
          for (const m of readFileSync(path, 'utf8').matchAll(
            /\b((?:docs|design|research)\/[\w./-]+\.md)\b/g,
          )) {
            const doc = m[1] as string;
            cited.set(doc, [...(cited.get(doc) ?? []), relative(ROOT, path)]);
          }
        }
      }
    };
    for (const dir of ['functions', 'shared', 'infra', 'console', 'workflows', 'scripts', 'test']) {
      walk(join(ROOT, dir));
    }
    const missing = [...cited]
      .filter(([doc]) => !existsSync(join(ROOT, doc)))
      .map(([doc, by]) => `${doc} ← ${by}`);
    expect(missing).toEqual([]);
  });
});
