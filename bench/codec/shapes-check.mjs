// Checks that two ts-proto output trees declare the same message types: every exported
// interface, enum and type alias of every file, printed without comments by the TypeScript
// printer, must be equal. bench/codec uses it to show that ts-proto 1.x and 2.x, run with the
// same options, take and return the same plain objects, so one fixture serves both runtimes.
//
//   node bench/codec/shapes-check.mjs [dirA] [dirB]   (default: src/gen .bench-gen/tsproto2)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const printer = ts.createPrinter({ removeComments: true });

function exportedShapes(file) {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out = [];
  for (const st of sf.statements) {
    const isDecl = ts.isInterfaceDeclaration(st) || ts.isEnumDeclaration(st) || ts.isTypeAliasDeclaration(st);
    if (isDecl && st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      out.push(printer.printNode(ts.EmitHint.Unspecified, st, sf));
    }
  }
  return out;
}

/**
 * Compares the exported declarations of the ts-proto files of dirB with their namesakes in dirA.
 *
 * Files present only in dirA (xdskit's own schema.ts, codecs.ts) are ignored, and so are
 * ts-proto's `index.ts` and `index.<package>.ts` barrels in dirB: they declare no message, only re-export the
 * package's files (xdskit replaces them with one namespaces.ts).
 * @returns {{ files: number, declarations: number, differing: string[], missing: string[] }}
 */
export function compareShapes(dirA, dirB) {
  const differing = [];
  const missing = [];
  let files = 0;
  let declarations = 0;
  for (const fb of walk(dirB)) {
    const rel = path.relative(dirB, fb);
    if (/^index(\.[\w.]+)?\.ts$/.test(rel)) continue;
    const fa = path.join(dirA, rel);
    files++;
    if (!fs.existsSync(fa)) {
      missing.push(rel);
      continue;
    }
    const a = exportedShapes(fa);
    const b = exportedShapes(fb);
    declarations += b.length;
    if (a.join('\n') !== b.join('\n')) differing.push(rel);
  }
  return { files, declarations, differing, missing };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const a = path.resolve(repo, process.argv[2] ?? 'src/gen');
  const b = path.resolve(repo, process.argv[3] ?? '.bench-gen/tsproto2');
  const r = compareShapes(a, b);
  console.log(
    `${r.files} files, ${r.declarations} exported declarations: ` +
      `${r.differing.length} files differ, ${r.missing.length} missing in ${path.relative(repo, a)}`,
  );
  for (const f of [...r.differing, ...r.missing].slice(0, 20)) console.log(`  ${f}`);
  process.exit(r.differing.length || r.missing.length ? 1 : 0);
}
