/** A minimal method + path-template router; templates double as metric labels. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

/** What a route answers with; wrong-body uses it to pick a plausible wrong answer of the same type. */
export type BodyKind = 'json' | 'metrics' | 'html';

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The template (metric label) first, then aliases such as the no-trailing-slash form. */
  paths: readonly string[];
  body?: BodyKind;
  /** Requires `Authorization: Bearer <token>`. */
  auth?: boolean;
  handle(ctx: RequestContext): void | Promise<void>;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; template: string; params: Record<string, string> }
  | { kind: 'method-not-allowed'; template: string; allow: string[] }
  | { kind: 'not-found' };

interface Compiled {
  route: Route;
  template: string;
  pattern: RegExp;
  names: string[];
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const body = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.+?^${}()|[\]\\*]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${body}$`), names };
}

export class Router {
  private readonly compiled: Compiled[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const template = route.paths[0];
      if (!template) throw new Error('route without a path');
      for (const path of route.paths) this.compiled.push({ route, template, ...compile(path) });
    }
  }

  match(method: string, pathname: string): RouteMatch {
    // HEAD is served by the GET handler; node drops the body.
    const wanted = method === 'HEAD' ? 'GET' : method;
    const allow = new Set<string>();
    let template: string | undefined;
    for (const c of this.compiled) {
      const m = c.pattern.exec(pathname);
      if (!m) continue;
      if (c.route.method === wanted) {
        const params: Record<string, string> = {};
        c.names.forEach((name, i) => {
          params[name] = safeDecode(m[i + 1] ?? '');
        });
        return { kind: 'found', route: c.route, template: c.template, params };
      }
      allow.add(c.route.method);
      if (c.route.method === 'GET') allow.add('HEAD');
      template ??= c.template;
    }
    if (template) return { kind: 'method-not-allowed', template, allow: [...allow] };
    return { kind: 'not-found' };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
