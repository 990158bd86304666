// The codebase's shape, checked over the real import graph (TypeScript's own parser, so `import type`, inline
// `type` specifiers, re-exports and dynamic imports are read as the compiler reads them).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const PRODUCT = ['src', 'handlers', 'blocks'];
/** The composition root: the only product files that may import handlers/. */
const COMPOSITION_ROOT = new Set(['src/main.ts', 'src/app.ts', 'src/wiring.ts']);
const MAX_LINES = 400;

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of a file, resolved to a repo path, and whether it brings in types only. */
function importsOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out: Edge[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    if (!spec.startsWith('.')) return;
    const to = relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts');
    out.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly =
        !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(
        node.moduleSpecifier.text,
        node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)),
      );
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const product = PRODUCT.flatMap(files).sort();
const edges = product.flatMap(importsOf);
const top = (p: string) => p.split('/')[0];

/** Value-import cycles (Tarjan's strongly connected components of size > 1, or a self-import). */
function cycles(): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  let i = 0;
  const strong = (v: string) => {
    index.set(v, i);
    low.set(v, i);
    i += 1;
    stack.push(v);
    on.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of product) if (!index.has(v)) strong(v);
  return found;
}

describe('dependencies run one way (handlers → src → blocks)', () => {
  it('reads a real graph', () => {
    expect(product.length).toBeGreaterThan(50);
    expect(edges.filter((e) => e.typeOnly).length).toBeGreaterThan(20);
    expect(edges.filter((e) => !e.typeOnly && top(e.from) === 'src' && top(e.to) === 'blocks').length).toBeGreaterThan(
      5,
    );
  });

  it('blocks/ take only types from src/ and nothing from handlers/', () => {
    const bad = edges.filter(
      (e) => top(e.from) === 'blocks' && ((top(e.to) === 'src' && !e.typeOnly) || top(e.to) === 'handlers'),
    );
    expect(bad.map((e) => `${e.from} → ${e.to}`)).toEqual([]);
  });

  it('only the composition root (src/main.ts, src/app.ts, src/wiring.ts) imports handlers/', () => {
    const bad = edges.filter(
      (e) => top(e.to) === 'handlers' && top(e.from) !== 'handlers' && !COMPOSITION_ROOT.has(e.from),
    );
    expect(bad.map((e) => `${e.from} → ${e.to}`)).toEqual([]);
  });

  it('the product imports nothing from test/, bench/ or scripts/', () => {
    const bad = edges.filter((e) => ['test', 'bench', 'scripts'].includes(top(e.to)!));
    expect(bad.map((e) => `${e.from} → ${e.to}`)).toEqual([]);
  });

  it('has no import cycles (type-only imports aside)', () => {
    expect(cycles()).toEqual([]);
  });

  it('finds a cycle and a wrong-way import when there is one (the checks can fail)', () => {
    const saved = edges.splice(0);
    try {
      edges.push(
        { from: 'src/a.ts', to: 'src/b.ts', typeOnly: false },
        { from: 'src/b.ts', to: 'src/a.ts', typeOnly: false },
      );
      product.push('src/a.ts', 'src/b.ts');
      expect(cycles()).toEqual([['src/a.ts', 'src/b.ts']]);
    } finally {
      product.splice(product.indexOf('src/a.ts'), 2);
      edges.splice(0, edges.length, ...saved);
    }
  });
});

describe('files stay small enough to read in one sitting', () => {
  it(`no product file (src, handlers, blocks, bench, scripts, test/support) is over ${MAX_LINES} lines`, () => {
    const long = [...product, ...['bench', 'scripts', 'test/support'].flatMap(files)]
      .map((f) => ({ f, n: readFileSync(join(root, f), 'utf8').split('\n').length }))
      .filter((x) => x.n > MAX_LINES)
      .map((x) => `${x.f}: ${x.n}`);
    expect(long).toEqual([]);
  });
});

describe('casts that skip the type checker say why', () => {
  it('every `as unknown as` in src, handlers and blocks has a reason on its line or the line above', () => {
    const bare = product.flatMap((f) => {
      const lines = readFileSync(join(root, f), 'utf8').split('\n');
      return lines.flatMap((line, i) =>
        line.includes('as unknown as') && !/\/\/|\/\*/.test(line) && !/^\s*\/\//.test(lines[i - 1] ?? '')
          ? [`${f}:${i + 1}`]
          : [],
      );
    });
    expect(bare).toEqual([]);
  });
});
