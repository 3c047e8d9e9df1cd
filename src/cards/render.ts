// Cards are adaptiveCards/*.json templates expanded with adaptivecards-templating.
// No Teams types here: the Teams layer wraps the expanded JSON as an attachment.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ACData from 'adaptivecards-templating';

export type AdaptiveCard = Record<string, unknown> & { type: 'AdaptiveCard' };

/** Teams refuses messages over ~28 KB; a card must stay well under it. */
export const TEAMS_CARD_BYTE_LIMIT = 28 * 1024;

/** The templates in adaptiveCards/, each built by its module in src/cards/ (render.test.ts checks the list). */
export const TEMPLATES = [
  'batchProgress',
  'csvBuild',
  'csvValidation',
  'cutoverPlan',
  'details',
  'endpointForm',
  'guideStatus',
  'guideStep',
  'help',
  'importPreview',
  'importResult',
  'notice',
  'notificationEvent',
  'status',
  'table',
] as const;
export type TemplateName = (typeof TEMPLATES)[number];

const TEMPLATE_DIR = path.resolve(__dirname, '..', '..', ...(__dirname.includes(`${path.sep}dist${path.sep}`) ? ['..'] : []), 'adaptiveCards');
const cache = new Map<string, ACData.Template>();

export function templateDir(): string {
  return TEMPLATE_DIR;
}

function template(name: TemplateName): ACData.Template {
  let t = cache.get(name);
  if (!t) {
    const file = path.join(TEMPLATE_DIR, `${name}.json`);
    t = new ACData.Template(JSON.parse(fs.readFileSync(file, 'utf8')));
    cache.set(name, t);
  }
  return t;
}

/**
 * Expands adaptiveCards/<name>.json with data. Only the card modules in src/cards/ call it, each
 * with its own typed input (lint refuses it elsewhere); handlers call those builders.
 */
export function renderCard(name: TemplateName, data: object): AdaptiveCard {
  const card = template(name).expand({ $root: data }) as AdaptiveCard;
  return pruneEmpty(card) as AdaptiveCard;
}

// Usage placeholders such as <name> read as HTML tags to some clients (the Agents Playground
// drops them), so cards show them as ‹name›. Only word-like placeholders: addresses stay.
const PLACEHOLDER = /<([a-z][a-z0-9 _-]{0,30}(?:…)?)>/gi;
const NOT_SHOWN = new Set(['verb', 'data', 'url', 'id', 'type', '$schema', 'style', 'color']);

// An action or element whose $data array was empty expands to nothing, but a
// property bound to an absent value is left as "" or null; Teams rejects empty
// action lists and null styles, so tidy them away.
function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneEmpty).filter((v) => v !== undefined);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // PowerShell blocks hold one command per line; a lone newline is only a soft break in card markdown.
    const monospace = (value as { fontType?: unknown }).fontType === 'Monospace';
    for (const [k, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      // Optional fields (an action's style) stay as the literal expression when unbound.
      if (typeof v === 'string' && /^\$\{[^}]*\}$/.test(v)) continue;
      if (k === 'style' && v === '') continue;
      if (k === 'actions' && Array.isArray(v) && v.length === 0) continue;
      if (k === 'data' || k === 'verb') {
        out[k] = v; // button payloads go back to the bot as they are
        continue;
      }
      if (typeof v === 'string' && !NOT_SHOWN.has(k)) {
        const shown = v.replace(PLACEHOLDER, '‹$1›');
        out[k] = monospace && k === 'text' ? shown.replace(/\n+/g, '\n\n') : shown;
      } else {
        out[k] = pruneEmpty(v);
      }
    }
    return out;
  }
  return value;
}

export function cardBytes(card: AdaptiveCard): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}
