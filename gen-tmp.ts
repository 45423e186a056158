import ts from 'typescript';
import { readdirSync } from 'node:fs';
const files = readdirSync('src/server/routes').map((f) => 'src/server/routes/' + f);
const program = ts.createProgram(files, { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true });
const c = program.getTypeChecker();
const defs = new Map<string, string>();
const order: string[] = [];
const inProgress = new Set<string>();
const symNames = new Map<ts.Symbol, string>();
function uniqueName(t: ts.Type, n: string): string {
  const s = (t.aliasSymbol ?? t.getSymbol())!;
  if (symNames.has(s)) return symNames.get(s)!;
  let name = n; let i = 2;
  while ([...symNames.values()].includes(name)) name = `${n}${i++}`;
  symNames.set(s, name);
  return name;
}
const SPECIAL: Record<string, string> = { NamedAudienceDefinition: 'audienceDefinitionSchema', AudienceDefinition: 'audienceDefinitionSchema' };
function nameOf(t: ts.Type): string | undefined {
  const s = t.aliasSymbol ?? t.getSymbol();
  if (!s) return undefined;
  const n = s.getName();
  if (n.startsWith('__') || n === 'Array' || n === 'Date' || n === 'Record' || n === 'Promise' || n === 'ReadonlyArray') return undefined;
  if (t.aliasSymbol && t.aliasTypeArguments?.length) return undefined;
  return n;
}
function z(t: ts.Type, top = false): string {
  if (t.flags & ts.TypeFlags.Union) {
    let parts = (t as ts.UnionType).types;
    const hasNull = parts.some((p) => p.flags & ts.TypeFlags.Null);
    parts = parts.filter((p) => !(p.flags & (ts.TypeFlags.Null | ts.TypeFlags.Undefined)));
    let inner: string;
    if (parts.length && parts.every((p) => p.flags & ts.TypeFlags.StringLiteral)) inner = `z.enum([${parts.map((p) => JSON.stringify((p as ts.StringLiteralType).value)).join(', ')}])`;
    else if (parts.length === 2 && parts.every((p) => p.flags & ts.TypeFlags.BooleanLiteral)) inner = 'z.boolean()';
    else if (parts.length === 1) inner = z(parts[0]!);
    else {
      const bools = parts.filter((p) => p.flags & ts.TypeFlags.BooleanLiteral);
      const rest = parts.filter((p) => !(p.flags & ts.TypeFlags.BooleanLiteral));
      inner = `z.union([${[...rest.map((p) => z(p)), ...(bools.length === 2 ? ['z.boolean()'] : bools.map((b) => z(b)))].join(', ')}])`;
    }
    return hasNull ? `${inner}.nullable()` : inner;
  }
  if (t.flags & ts.TypeFlags.String) return 'z.string()';
  if (t.flags & ts.TypeFlags.Number) return 'z.number()';
  if (t.flags & ts.TypeFlags.Boolean) return 'z.boolean()';
  if (t.flags & ts.TypeFlags.BigInt) return 'bigintSchema';
  if (t.flags & ts.TypeFlags.StringLiteral) return `z.literal(${JSON.stringify((t as ts.StringLiteralType).value)})`;
  if (t.flags & ts.TypeFlags.NumberLiteral) return `z.literal(${(t as ts.NumberLiteralType).value})`;
  if (t.flags & ts.TypeFlags.BooleanLiteral) return `z.literal(${c.typeToString(t)})`;
  if (t.flags & ts.TypeFlags.Null) return 'z.null()';
  if (t.flags & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return 'z.unknown()';
  if (t.flags & ts.TypeFlags.Void) return 'z.void()';
  const sym = t.getSymbol();
  if (sym?.getName() === 'Date') return 'dateSchema';
  if (c.isArrayType(t) || sym?.getName() === 'ReadonlyArray') return `z.array(${z(c.getTypeArguments(t as ts.TypeReference)[0]!)})`;
  if (c.isTupleType(t)) return `z.tuple([${c.getTypeArguments(t as ts.TypeReference).map((a) => z(a)).join(', ')}])`;
  const raw = nameOf(t);
  if (raw && SPECIAL[raw]) return SPECIAL[raw]!;
  const name = raw && uniqueName(t, raw);
  if (name && !top) {
    if (inProgress.has(name)) return `z.lazy(() => ${name}Schema)`;
    if (!defs.has(name)) {
      inProgress.add(name);
      defs.set(name, '');
      const body = z(t, true);
      defs.set(name, `${body}.meta({ id: '${name}' })`);
      inProgress.delete(name);
      order.push(name);
    }
    return `${name}Schema`;
  }
  const props = c.getPropertiesOfType(t);
  const index = c.getIndexInfoOfType(t, ts.IndexKind.String);
  if (index && props.length === 0) return `z.record(z.string(), ${z(index.type)})`;
  const fields = props.map((p) => {
    const pt = c.getTypeOfSymbol(p);
    const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
    let zt = z(optional ? c.getNonNullableType(pt) === pt ? pt : removeUndef(pt) : pt);
    const doc = ts.displayPartsToString(p.getDocumentationComment(c)).replace(/\s+/g, ' ').trim();
    if (doc) zt += `.describe(${JSON.stringify(doc)})`;
    return `${/^[A-Za-z_$][\w$]*$/.test(p.getName()) ? p.getName() : JSON.stringify(p.getName())}: ${zt}${optional ? '.optional()' : ''}`;
  });
  return `z.object({ ${fields.join(', ')} })`;
}
function removeUndef(t: ts.Type): ts.Type {
  if (!(t.flags & ts.TypeFlags.Union)) return t;
  const parts = (t as ts.UnionType).types.filter((p) => !(p.flags & ts.TypeFlags.Undefined));
  if (parts.length === (t as ts.UnionType).types.length) return t;
  // rebuild via checker not possible: fake a union object
  return { ...t, types: parts, flags: ts.TypeFlags.Union } as unknown as ts.Type;
}
const routes: string[] = [];
for (const file of files) {
  const sf = program.getSourceFile(file)!;
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node)) {
      const get = (n: string) => node.properties.find((p) => p.name && (p.name as ts.Identifier).text === n) as ts.PropertyAssignment | undefined;
      const path = get('path'); const method = get('method'); const handler = get('handler');
      if (path && handler && method) {
        const t = c.getTypeAtLocation(handler);
        const sig = t.getCallSignatures()[0]!;
        const aw = c.getAwaitedType(sig.getReturnType()) ?? sig.getReturnType();
        routes.push(`// ${method.initializer.getText()} ${path.initializer.getText()}\n  ${z(aw)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}
for (const n of order) console.log(`export const ${n}Schema = ${defs.get(n)};\n`);
console.log(routes.join('\n'));
