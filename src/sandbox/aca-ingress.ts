/**
 * The app's ingress: each request goes to one revision, drawn by the traffic weights ARM holds right
 * now (a change applies when its long-running operation completes). Entries of inactive revisions are
 * skipped, as Container Apps' ingress does, so their weight is simply not served (#410). The chosen
 * revision's own app handles the request in-process: its counters (and metrics) see it as they see a
 * request on its own FQDN.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AcaModel } from './aca-model.js';
import { sendJson } from './http-util.js';
import type { RevisionApp } from './revision-app.js';

export function ingressHandler(model: AcaModel, apps: ReadonlyMap<string, RevisionApp>, random: () => number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const candidates = [...model.weights()].filter(([name, w]) => w > 0 && model.isActive(name) && apps.has(name));
    const total = candidates.reduce((s, [, w]) => s + w, 0);
    if (total <= 0) {
      sendJson(res, 503, { detail: `no active revision of ${model.ref.app} takes traffic` });
      return;
    }
    let pick = random() * total;
    let chosen = candidates[candidates.length - 1]?.[0] as string;
    for (const [name, w] of candidates) {
      if (pick < w) {
        chosen = name;
        break;
      }
      pick -= w;
    }
    res.setHeader('x-revgate-revision', chosen);
    (apps.get(chosen) as RevisionApp).handle(req, res);
  };
}
