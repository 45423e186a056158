import nunjucks from 'nunjucks';
import { CdpError, isCdpError, type ErrorCode } from '../errors.js';
import { findCalls, lineOfCall } from './call-lines.js';
import { callMacro, installDbtJinja, isMacro, JINJA_GLOBALS } from './jinja-compat.js';

// Python-style literals and methods (True/False/None, dict.items(), slices) that dbt users write.
nunjucks.installJinjaCompat();

/**
 * Autoescape is off (this is SQL, not HTML); undefined variables fail loudly instead of rendering
 * as empty text, so a typo becomes an error with a line rather than silently wrong SQL.
 */
const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
installDbtJinja(environment);
Object.assign((environment as unknown as { globals: Record<string, unknown> }).globals, JINJA_GLOBALS);

/** The engine every dbt template (models, macros, tests) renders with. */
export function jinjaEnvironment(): nunjucks.Environment {
  return environment;
}

/**
 * Makes `names` visible to every template rendered during `work`, macros of other files included
 * (a macro looks up names it does not define in the environment's globals). Renders nest (an
 * ephemeral model rendered inside another), so the previous values are put back afterwards.
 */
export function withGlobals<T>(names: Record<string, unknown>, work: () => T): T {
  const globals = (environment as unknown as { globals: Record<string, unknown> }).globals;
  const previous = new Map<string, unknown>();
  for (const [name, value] of Object.entries(names)) {
    previous.set(name, Object.hasOwn(globals, name) ? globals[name] : MISSING);
    globals[name] = value;
  }
  try {
    return work();
  } finally {
    for (const [name, value] of previous) {
      if (value === MISSING) delete globals[name];
      else globals[name] = value;
    }
  }
}

const MISSING = Symbol('missing');

/**
 * What a template function throws on purpose. nunjucks wraps every error a function throws and
 * keeps only its message, so the renderer remembers the failure itself and rebuilds a CdpError
 * with the line nunjucks reports.
 */
export class TemplateFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export type TemplateContext = Record<string, unknown>;

/** Compiles and renders one template; every failure becomes a CdpError at `file:line`. */
export function renderTemplate(text: string, file: string, context: TemplateContext): string {
  let template: nunjucks.Template;
  try {
    template = new nunjucks.Template(text, environment, file, true);
  } catch (error) {
    throw templateError(error, file, text, 'compile');
  }
  let failure: TemplateFailure | CdpError | undefined;
  let failedCall: { name: string; args: unknown[] } | undefined;
  const guarded: TemplateContext = {};
  for (const [name, value] of Object.entries(context)) {
    guarded[name] =
      typeof value === 'function'
        ? (...args: unknown[]) => {
            try {
              const call = () => (value as (...a: unknown[]) => unknown)(...args);
              return isMacro(value) ? callMacro(call) : call();
            } catch (error) {
              if ((error instanceof TemplateFailure || isCdpError(error)) && !failure) {
                failure = error;
                failedCall = { name, args: args.filter((arg) => typeof arg !== 'object' || arg === null) };
              }
              throw error;
            }
          }
        : value;
  }
  try {
    return withGlobals(guarded, () => template.render(guarded));
  } catch (error) {
    // nunjucks leaves out the line when its 0-based line or column is 0; the parse tree still knows it.
    const line = lineOf(error, 'render') ?? (failedCall ? lineOfCall(findCalls(text, new Set([failedCall.name])), failedCall.name, failedCall.args, 1) : undefined);
    if (failure instanceof TemplateFailure) {
      throw new CdpError(failure.code, failure.message, { location: { file, line }, hint: failure.hint });
    }
    if (failure) {
      throw new CdpError(failure.code, failure.message, { location: { file, line: failure.location.line ?? line }, hint: failure.hint, cause: failure });
    }
    throw templateError(error, file, text, 'render');
  }
}

const AVAILABLE = 'ref, source, config, is_incremental, this, type, env_var';

function templateError(error: unknown, file: string, text: string, phase: 'compile' | 'render'): CdpError {
  const detail = detailOf(error);
  const hint = /undefined|Unable to call/.test(detail)
    ? `models can use ${AVAILABLE}; check the spelling`
    : 'fix the Jinja syntax ({{ ... }} for expressions, {% ... %} for statements)';
  return new CdpError('MODEL_PARSE', `template error: ${detail}`, { location: { file, line: lineOf(error, phase) ?? lineOfUnknownCall(detail, text) }, hint, cause: error });
}

/** Where `Unable to call \`name\`` happened, when nunjucks left the line out (line or column 0). */
function lineOfUnknownCall(detail: string, text: string): number | undefined {
  const name = /Unable to call `([A-Za-z_][A-Za-z0-9_]*)`/.exec(detail)?.[1];
  return name ? findCalls(text, new Set([name]))[0]?.line : undefined;
}

/** The message without nunjucks' `(file) [Line n, Column m]` header and `Error: ` prefix. */
function detailOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const body = message.replace(/^\([^)]*\)\s*(\[Line \d+, Column \d+\])?\s*/, '').trim();
  return body.replace(/^\w*Error: /, '');
}

/**
 * The 1-based template line of a nunjucks error. Parse errors and undefined-output errors carry
 * 1-based lines; errors thrown while calling a function during render are reported with the
 * compiler's 0-based line (a nunjucks quirk), recognisable by their wrapped `Name: message` text.
 */
function lineOf(error: unknown, phase: 'compile' | 'render'): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = /\[Line (\d+), Column \d+\]/.exec(message);
  if (!match) return undefined;
  const line = Number(match[1]);
  const body = message.slice(match.index + match[0].length).trim();
  const zeroBased = phase === 'render' && /^\w*Error: /.test(body);
  return zeroBased ? line + 1 : Math.max(1, line);
}

/** Renders Jinja text as dbt would (no model functions): for the engine corpus and simple values. */
export function renderJinja(text: string, file: string, context: TemplateContext): string {
  return renderTemplate(text, file, context);
}

/**
 * The macros a macro file defines, as callables. The file's top level runs once with `names`
 * visible; each macro, when called later, finds the names it does not define (other macros,
 * ref, var, target...) in the globals of the render that calls it.
 */
export function exportMacros(text: string, file: string, names: TemplateContext): Record<string, (...args: unknown[]) => unknown> {
  let template: nunjucks.Template;
  try {
    template = new nunjucks.Template(text, environment, file, true);
  } catch (error) {
    throw templateError(error, file, text, 'compile');
  }
  let exported: Record<string, unknown> = {};
  const getExported = (template as unknown as { getExported(ctx: object, cb: (error: unknown, value: Record<string, unknown>) => void): void }).getExported.bind(template);
  withGlobals(names, () =>
    getExported({}, (error, value) => {
      if (error) throw templateError(error, file, text, 'render');
      exported = value;
    }),
  );
  return Object.fromEntries(Object.entries(exported).filter(([, value]) => typeof value === 'function')) as Record<string, (...args: unknown[]) => unknown>;
}
