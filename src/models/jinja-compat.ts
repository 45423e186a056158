import nunjucks from 'nunjucks';

/**
 * nunjucks made to render Jinja2 the way dbt writes it. nunjucks is Jinja2-like, not Jinja2: this
 * layer adds what dbt macros rely on and nunjucks lacks (measured on tests/fixtures/dbt/jinja-corpus.ts,
 * see docs/models.md "Template engine"):
 * - Python string methods (`.lower()`, `.strip()`, `.startswith()`, `.split()`, `.format()`...) and
 *   string slicing that yields a string;
 * - `%` formatting of strings (`'%s_%s' % (a, b)`), Python's modulo for numbers;
 * - `{% set ns.attr = value %}` (namespace()), `{% do expr %}`;
 * - `return()` inside macros (dbt's way to return a value rather than text);
 * - True/False printed as Python prints them; the `tojson` filter and `none` test.
 * Everything is installed once, on nunjucks' own runtime and compiler objects.
 */

interface Runtime {
  memberLookup(obj: unknown, val: unknown, ...rest: unknown[]): unknown;
  callWrap(obj: unknown, name: string, context: unknown, args: unknown[]): unknown;
  makeMacro(argNames: string[], kwargNames: string[], func: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown;
  suppressValue(val: unknown, autoescape: boolean): unknown;
  pyMod?: (left: unknown, right: unknown) => unknown;
  SafeString: new (value: string) => object;
}

interface AstNode {
  lineno: number;
  colno: number;
  [key: string]: unknown;
}

interface Parser {
  peekToken(): { lineno: number; colno: number; value: string; type: string };
  nextToken(): { lineno: number; colno: number; value: string; type: string };
  skipSymbol(name: string): boolean;
  skip(type: string): boolean;
  skipValue(type: string, value: string): boolean;
  fail(message: string, lineno?: number, colno?: number): never;
  parsePrimary(): AstNode | null;
  parseExpression(): AstNode;
  parseUntilBlocks(...names: string[]): AstNode;
  advanceAfterBlockEnd(name?: string): void;
}

interface Compiler {
  compile(node: unknown, frame: unknown): void;
  _emit(code: string): void;
  _emitLine(code: string): void;
  _compileExpression(node: unknown, frame: unknown): void;
}

/** What `{{ return(x) }}` throws; the macro being called catches it and returns x. */
export class MacroReturn {
  constructor(readonly value: unknown) {}
}

const MACRO = Symbol('dbt macro');

const runtime = (nunjucks as unknown as { runtime: Runtime }).runtime;
const nodes = (nunjucks as unknown as { nodes: Record<string, new (...args: unknown[]) => AstNode> }).nodes;
const ParserClass = (nunjucks as unknown as { parser: { Parser: { prototype: Parser & Record<string, unknown> } } }).parser.Parser;
const CompilerClass = (nunjucks as unknown as { compiler: { Compiler: { prototype: Compiler & Record<string, unknown> } } }).compiler.Compiler;
const lexer = (nunjucks as unknown as { lexer: Record<string, string> }).lexer;

/** Python's str.format for positional `{}`/`{0}` and keyword `{name}` fields. */
function pyFormat(template: string, args: unknown[]): string {
  const last = args[args.length - 1];
  const kwargs = typeof last === 'object' && last !== null && (last as { __keywords?: boolean }).__keywords ? (last as Record<string, unknown>) : {};
  const positional = kwargs === last ? args.slice(0, -1) : args;
  let next = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (all, field: string | undefined) => {
    if (all === '{{') return '{';
    if (all === '}}') return '}';
    const key = field ?? '';
    const value = key === '' ? positional[next++] : /^\d+$/.test(key) ? positional[Number(key)] : kwargs[key];
    return pyStr(value);
  });
}

/** How Python's str() shows a value. */
export function pyStr(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (value === null || value === undefined) return 'None';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object' && !(value instanceof Date) && value.constructor === Object) return `{${Object.entries(value).map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  return String(value);
}

function pyRepr(value: unknown): string {
  return typeof value === 'string' ? `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : pyStr(value);
}

/** Python's `%` on a string: %s %d %i %f %r with one value or a tuple (a list here). */
function percentFormat(template: string, values: unknown): string {
  const list = Array.isArray(values) ? values : [values];
  let next = 0;
  return template.replace(/%(%|[-+ 0#]*\d*(?:\.\d+)?[sdifr])/g, (_all, spec: string) => {
    if (spec === '%') return '%';
    const value = list[next++];
    const conversion = spec[spec.length - 1];
    const precision = /\.(\d+)/.exec(spec)?.[1];
    if (conversion === 'd' || conversion === 'i') return String(Math.trunc(Number(value)));
    if (conversion === 'f') return Number(value).toFixed(precision === undefined ? 6 : Number(precision));
    if (conversion === 'r') return pyRepr(value);
    return pyStr(value);
  });
}

const STRING_METHODS: Record<string, (s: string, ...args: unknown[]) => unknown> = {
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  strip: (s, chars) => (typeof chars === 'string' ? trimChars(s, chars, true, true) : s.trim()),
  lstrip: (s, chars) => (typeof chars === 'string' ? trimChars(s, chars, true, false) : s.trimStart()),
  rstrip: (s, chars) => (typeof chars === 'string' ? trimChars(s, chars, false, true) : s.trimEnd()),
  startswith: (s, prefix) => (Array.isArray(prefix) ? prefix.some((p) => s.startsWith(String(p))) : s.startsWith(String(prefix))),
  endswith: (s, suffix) => (Array.isArray(suffix) ? suffix.some((p) => s.endsWith(String(p))) : s.endsWith(String(suffix))),
  split: (s, sep, max) => {
    const parts = sep === undefined || sep === null ? s.trim().split(/\s+/).filter(Boolean) : s.split(String(sep));
    if (typeof max === 'number' && max >= 0 && parts.length > max + 1) return [...parts.slice(0, max), parts.slice(max).join(sep === undefined || sep === null ? ' ' : String(sep))];
    return parts;
  },
  replace: (s, from, to) => s.split(String(from)).join(String(to)),
  format: (s, ...args) => pyFormat(s, args),
  title: (s) => s.replace(/\w\S*/g, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()),
  capitalize: (s) => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s),
  join: (s, items) => (Array.isArray(items) ? items.map(String).join(s) : ''),
  find: (s, sub) => s.indexOf(String(sub)),
  count: (s, sub) => s.split(String(sub)).length - 1,
  isdigit: (s) => /^\d+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  isupper: (s) => s === s.toUpperCase() && s !== s.toLowerCase(),
  islower: (s) => s === s.toLowerCase() && s !== s.toUpperCase(),
  zfill: (s, width) => s.padStart(Number(width), '0'),
};

function trimChars(s: string, chars: string, start: boolean, end: boolean): string {
  let a = 0;
  let b = s.length;
  while (start && a < b && chars.includes(s[a]!)) a++;
  while (end && b > a && chars.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

let installed = false;

export function installDbtJinja(environment: nunjucks.Environment): void {
  environment.addFilter('tojson', (value: unknown) => JSON.stringify(value, null, 1)?.replace(/\n\s*/g, ' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/\{ /g, '{').replace(/ \}/g, '}') ?? 'null');
  environment.addFilter('as_bool', (value: unknown) => (typeof value === 'string' ? value.toLowerCase() === 'true' : Boolean(value)));
  environment.addFilter('as_number', (value: unknown) => Number(value));
  environment.addFilter('as_text', (value: unknown) => pyStr(value));
  environment.addFilter('as_native', (value: unknown) => value);
  (environment as unknown as { addTest(name: string, test: (value: unknown) => boolean): void }).addTest('none', (value: unknown) => value === null);
  environment.addFilter('map', (items: unknown, ...args: unknown[]) => {
    const list = Array.isArray(items) ? items : [];
    const last = args[args.length - 1] as { __keywords?: boolean; attribute?: string } | undefined;
    if (last && typeof last === 'object' && last.__keywords && last.attribute !== undefined) return list.map((item) => String(last.attribute).split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], item));
    const name = String(args[0]);
    const filter = (environment as unknown as { getFilter(name: string): (...a: unknown[]) => unknown }).getFilter(name);
    return list.map((item) => filter(item, ...args.slice(1)));
  });
  environment.addExtension('do', doExtension);
  if (installed) return;
  installed = true;

  const memberLookup = runtime.memberLookup;
  runtime.memberLookup = function lookup(this: unknown, obj: unknown, val: unknown, ...rest: unknown[]): unknown {
    if (typeof obj === 'string') {
      if (rest.length === 2) return (memberLookup.call(this, obj, val, ...rest) as string[]).join('');
      if (typeof val === 'string' && Object.hasOwn(STRING_METHODS, val)) return (...args: unknown[]) => STRING_METHODS[val]!(obj, ...args);
      if (typeof val === 'number' && val < 0) return obj[obj.length + val];
    }
    if (Array.isArray(obj) && typeof val === 'number' && val < 0) return obj[obj.length + val];
    return memberLookup.call(this, obj, val, ...rest);
  };

  const makeMacro = runtime.makeMacro;
  runtime.makeMacro = (argNames, kwargNames, func) => {
    const macro = makeMacro(argNames, kwargNames, func);
    (macro as unknown as Record<symbol, boolean>)[MACRO] = true;
    return macro;
  };

  const callWrap = runtime.callWrap;
  runtime.callWrap = (obj, name, context, args) => {
    if (typeof obj === 'function' && (obj as unknown as Record<symbol, boolean>)[MACRO]) return callMacro(() => callWrap(obj, name, context, args));
    return callWrap(obj, name, context, args);
  };

  const suppressValue = runtime.suppressValue;
  runtime.suppressValue = (val, autoescape) => (typeof val === 'boolean' ? (val ? 'True' : 'False') : suppressValue(val, autoescape));

  runtime.pyMod = (left, right) => {
    if (typeof left === 'string' || left instanceof (runtime as unknown as { SafeString: new () => object }).SafeString) return percentFormat(String(left), right);
    const a = Number(left);
    const b = Number(right);
    return ((a % b) + b) % b;
  };
  // A parenthesised list with commas is a tuple (an array here), not JavaScript's comma operator.
  const compileGroup = CompilerClass.prototype.compileGroup as (this: Compiler, node: { children: unknown[] }, frame: unknown) => void;
  CompilerClass.prototype.compileGroup = function compileTuple(this: Compiler & { compileArray(node: unknown, frame: unknown): void }, node: { children: unknown[] }, frame: unknown) {
    if (node.children.length > 1) this.compileArray(node, frame);
    else compileGroup.call(this, node, frame);
  };
  // Python's + concatenates lists.
  (runtime as unknown as { pyAdd: (a: unknown, b: unknown) => unknown }).pyAdd = (a, b) => (Array.isArray(a) && Array.isArray(b) ? [...a, ...b] : (a as number) + (b as number));
  CompilerClass.prototype.compileAdd = function compileAdd(this: Compiler, node: { left: unknown; right: unknown }, frame: unknown) {
    this._emit('runtime.pyAdd(');
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  };
  CompilerClass.prototype.compileMod = function compileMod(this: Compiler, node: { left: unknown; right: unknown }, frame: unknown) {
    this._emit('runtime.pyMod(');
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  };

  // `{% set ns.attr = value %}`: an attribute target (namespace objects are plain objects here).
  // The rest is nunjucks' own parseSet.
  ParserClass.prototype.parseSet = function parseAttributeSet(this: Parser) {
    const tag = this.peekToken();
    if (!this.skipSymbol('set')) this.fail('parseSet: expected set', tag.lineno, tag.colno);
    let target = this.parsePrimary();
    // With jinja-compat, parsePrimary already reads `ns.attr` as a LookupVal.
    const lookup = target as (AstNode & { typename?: string; target?: AstNode; val?: AstNode }) | null;
    const isLookup = lookup !== null && lookup.target !== undefined && lookup.val !== undefined;
    if (target && (isLookup || this.peekToken().value === '.')) {
      let object = target;
      let attribute: AstNode;
      if (isLookup) {
        object = lookup.target!;
        attribute = lookup.val!;
      } else {
        this.nextToken();
        attribute = new nodes.Literal!(tag.lineno, tag.colno, this.nextToken().value);
      }
      if (!this.skipValue(lexer.TOKEN_OPERATOR!, '=')) this.fail('set: expected = after the attribute', tag.lineno, tag.colno);
      const value = this.parseExpression();
      this.advanceAfterBlockEnd('set');
      const call = new nodes.FunCall!(tag.lineno, tag.colno, new nodes.Symbol!(tag.lineno, tag.colno, '__cdp_set_attr'), new nodes.NodeList!(tag.lineno, tag.colno, [object, attribute, value]));
      return new nodes.Output!(tag.lineno, tag.colno, [call]);
    }
    const node = new nodes.Set!(tag.lineno, tag.colno, []) as AstNode & { targets: AstNode[]; value: unknown; body: unknown };
    while (target) {
      node.targets.push(target);
      if (!this.skip(lexer.TOKEN_COMMA!)) break;
      target = this.parsePrimary();
    }
    if (!this.skipValue(lexer.TOKEN_OPERATOR!, '=')) {
      if (!this.skip(lexer.TOKEN_BLOCK_END!)) this.fail('parseSet: expected = or block end in set tag', tag.lineno, tag.colno);
      node.body = new nodes.Capture!(tag.lineno, tag.colno, this.parseUntilBlocks('endset'));
      node.value = null;
      this.advanceAfterBlockEnd();
    } else {
      node.value = this.parseExpression();
      this.advanceAfterBlockEnd(tag.value);
    }
    return node;
  };
}

export function isMacro(value: unknown): boolean {
  return typeof value === 'function' && (value as unknown as Record<symbol, boolean>)[MACRO] === true;
}

/** Calls a macro (or anything that may `return()`), giving the returned value back. */
export function callMacro<T>(call: () => T): T | unknown {
  try {
    return call();
  } catch (error) {
    if (error instanceof MacroReturn) return error.value;
    throw error;
  }
}

/** The names the layer needs in every template. */
export const JINJA_GLOBALS: Record<string, unknown> = {
  __cdp_set_attr(target: unknown, attribute: unknown, value: unknown): string {
    if (typeof target !== 'object' || target === null) throw new Error(`cannot set attribute ${String(attribute)} of ${String(target)}`);
    (target as Record<string, unknown>)[String(attribute)] = value;
    return '';
  },
  namespace(...args: unknown[]): Record<string, unknown> {
    const last = args[args.length - 1];
    const { __keywords: _k, ...values } = typeof last === 'object' && last !== null ? (last as Record<string, unknown>) : {};
    return values;
  },
  return(value: unknown): never {
    throw new MacroReturn(value);
  },
  tojson: (value: unknown) => JSON.stringify(value),
  fromjson(text: unknown, fallback?: unknown): unknown {
    try {
      return JSON.parse(String(text));
    } catch {
      return fallback ?? null;
    }
  },
};

/** `{% do expr %}`: evaluates the expression, outputs nothing. */
const doExtension = {
  tags: ['do'],
  parse(parser: Parser, parserNodes: Record<string, new (...args: unknown[]) => AstNode>) {
    const token = parser.nextToken();
    const expression = parser.parseExpression();
    parser.advanceAfterBlockEnd(token.value);
    return new parserNodes.CallExtension!(doExtension, 'run', new parserNodes.NodeList!(token.lineno, token.colno, [expression]));
  },
  run(): string {
    return '';
  },
};
