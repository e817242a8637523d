/**
 * Every public builder method and export is documented: a doc comment on each, the Envoy API
 * page it sets (`@see https://www.envoyproxy.io/docs/envoy/latest/...`), and `@default` where an
 * argument is optional. Checked on the sources with the TypeScript parser.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../src/builders/', import.meta.url));
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
const ENVOY_DOCS = '@see https://www.envoyproxy.io/docs/envoy/latest/';

interface Member {
  where: string;
  doc: string;
  optionalArgs: boolean;
}

function docOf(node: ts.Node, sf: ts.SourceFile): string {
  return ts
    .getJSDocCommentsAndTags(node)
    .map((d) => d.getText(sf))
    .join('\n');
}

const isExported = (n: ts.Node) => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
const isPublic = (n: ts.MethodDeclaration) =>
  !(ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword) && !(n.name && ts.isPrivateIdentifier(n.name));

function collect(): { exports: Member[]; methods: Member[] } {
  const exports: Member[] = [];
  const methods: Member[] = [];
  for (const file of files) {
    const sf = ts.createSourceFile(file, fs.readFileSync(path.join(dir, file), 'utf8'), ts.ScriptTarget.ES2022, true);
    for (const st of sf.statements) {
      if (!isExported(st)) continue;
      const name = (st as { name?: ts.Identifier }).name?.text ?? (ts.isVariableStatement(st) ? st.declarationList.declarations.map((d) => d.name.getText(sf)).join(',') : '?');
      // Overloads: the doc sits on the first signature.
      if (ts.isFunctionDeclaration(st) && !st.body) continue;
      const first = ts.isFunctionDeclaration(st) ? sf.statements.find((s) => ts.isFunctionDeclaration(s) && s.name?.text === name)! : st;
      exports.push({ where: `${file}: ${name}`, doc: docOf(first, sf), optionalArgs: false });
      if (!ts.isClassDeclaration(st)) continue;
      for (const m of st.members) {
        if (!ts.isMethodDeclaration(m) || !isPublic(m) || !m.body) continue;
        const mname = m.name.getText(sf);
        const sigs = st.members.filter((x) => ts.isMethodDeclaration(x) && x.name.getText(sf) === mname);
        const optionalArgs = m.parameters.some((p) => p.questionToken || p.initializer);
        methods.push({ where: `${file}: ${name}.${mname}`, doc: docOf(sigs[0]!, sf), optionalArgs });
      }
    }
  }
  return { exports, methods };
}

const { exports, methods } = collect();

describe('the builder docs', () => {
  it('document every export', () => {
    expect(exports.length).toBeGreaterThan(100);
    expect(exports.filter((e) => !e.doc).map((e) => e.where)).toEqual([]);
  });

  it('link every public method to the Envoy API page it sets (or to the method it is a shorthand for)', () => {
    expect(methods.length).toBeGreaterThan(150);
    // The escape hatches and build() of the base class set no particular Envoy field.
    const own = (m: Member) => m.where.startsWith('builder.ts: MessageBuilder.');
    expect(methods.filter((m) => !own(m) && !m.doc.includes(ENVOY_DOCS) && !/\(see \{@link \w+\}\)/.test(m.doc)).map((m) => m.where)).toEqual([]);
  });

  it('give @default for every optional argument', () => {
    expect(methods.filter((m) => m.optionalArgs && !m.doc.includes('@default')).map((m) => m.where)).toEqual([]);
  });
});
