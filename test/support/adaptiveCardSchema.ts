// A small structural validator for the cards Cutover sends: the Adaptive Card 1.5 schema's
// elements, actions and properties (adaptivecards.io/schemas/1.5.0), the enumerations Teams
// checks, plus the Teams chart elements with the properties Microsoft documents for them
// (src/cards/charts.ts CHART_PROPERTIES). Test code only: no schema package is installed.

import { CHART_PROPERTIES, ELEMENT_COMMON_PROPERTIES } from '../../src/cards/charts';

const COMMON = [...ELEMENT_COMMON_PROPERTIES].filter((p) => p !== '$when');
const SPACING = ['None', 'Small', 'Default', 'Medium', 'Large', 'ExtraLarge', 'Padding'];
const COLORS = ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'];
const CONTAINER_STYLES = ['default', 'emphasis', 'good', 'attention', 'warning', 'accent'];

interface Spec {
  props: readonly string[];
  required?: readonly string[];
  enums?: Record<string, readonly string[]>;
}

const ELEMENTS: Record<string, Spec> = {
  TextBlock: {
    props: ['text', 'color', 'fontType', 'horizontalAlignment', 'isSubtle', 'maxLines', 'size', 'weight', 'wrap', 'style'],
    required: ['text'],
    enums: {
      color: COLORS,
      size: ['Default', 'Small', 'Medium', 'Large', 'ExtraLarge'],
      weight: ['Default', 'Lighter', 'Bolder'],
      fontType: ['Default', 'Monospace'],
      style: ['default', 'heading'],
    },
  },
  Image: { props: ['url', 'altText', 'backgroundColor', 'horizontalAlignment', 'selectAction', 'size', 'style', 'width'], required: ['url'] },
  Container: {
    props: ['items', 'selectAction', 'style', 'verticalContentAlignment', 'bleed', 'backgroundImage', 'minHeight', 'rtl'],
    required: ['items'],
    enums: { style: CONTAINER_STYLES },
  },
  ColumnSet: { props: ['columns', 'selectAction', 'style', 'bleed', 'minHeight', 'horizontalAlignment'], enums: { style: CONTAINER_STYLES } },
  FactSet: { props: ['facts'], required: ['facts'] },
  ImageSet: { props: ['images', 'imageSize'], required: ['images'] },
  ActionSet: { props: ['actions'], required: ['actions'] },
  RichTextBlock: { props: ['inlines', 'horizontalAlignment'], required: ['inlines'] },
  Table: { props: ['columns', 'rows', 'firstRowAsHeader', 'showGridLines', 'gridStyle', 'horizontalCellContentAlignment', 'verticalCellContentAlignment'] },
  'Input.Text': {
    props: ['placeholder', 'value', 'maxLength', 'isMultiline', 'style', 'inlineAction', 'regex', 'label', 'isRequired', 'errorMessage'],
    required: ['id'],
    enums: { style: ['text', 'tel', 'url', 'email', 'password', 'Text', 'Tel', 'Url', 'Email', 'Password'] },
  },
  'Input.Number': { props: ['placeholder', 'value', 'min', 'max', 'label', 'isRequired', 'errorMessage'], required: ['id'] },
  'Input.Date': { props: ['placeholder', 'value', 'min', 'max', 'label', 'isRequired', 'errorMessage'], required: ['id'] },
  'Input.Time': { props: ['placeholder', 'value', 'min', 'max', 'label', 'isRequired', 'errorMessage'], required: ['id'] },
  'Input.Toggle': { props: ['title', 'value', 'valueOn', 'valueOff', 'wrap', 'label', 'isRequired', 'errorMessage'], required: ['id', 'title'] },
  'Input.ChoiceSet': {
    props: ['choices', 'isMultiSelect', 'style', 'value', 'placeholder', 'wrap', 'label', 'isRequired', 'errorMessage'],
    required: ['id'],
    enums: { style: ['compact', 'expanded', 'filtered'] },
  },
};

const COLUMN: Spec = {
  props: [
    'items',
    'backgroundImage',
    'bleed',
    'fallback',
    'minHeight',
    'rtl',
    'separator',
    'spacing',
    'selectAction',
    'style',
    'verticalContentAlignment',
    'width',
    'id',
    'isVisible',
    'requires',
    'type',
  ],
  enums: { style: CONTAINER_STYLES, spacing: SPACING },
};

const ACTIONS: Record<string, Spec> = {
  'Action.Execute': { props: ['verb', 'data', 'associatedInputs', 'isEnabled', 'mode', 'tooltip'] },
  'Action.Submit': { props: ['data', 'associatedInputs', 'isEnabled', 'mode', 'tooltip'] },
  'Action.OpenUrl': { props: ['url', 'isEnabled', 'mode', 'tooltip'], required: ['url'] },
  'Action.ShowCard': { props: ['card', 'isEnabled', 'mode', 'tooltip'] },
  'Action.ToggleVisibility': { props: ['targetElements', 'isEnabled', 'mode', 'tooltip'], required: ['targetElements'] },
};
const ACTION_COMMON = ['type', 'id', 'title', 'iconUrl', 'style', 'fallback', 'requires'];

const CARD_PROPS = [
  'type',
  'version',
  '$schema',
  'body',
  'actions',
  'msteams',
  'refresh',
  'selectAction',
  'fallbackText',
  'minHeight',
  'rtl',
  'speak',
  'lang',
  'verticalContentAlignment',
  'backgroundImage',
  'authentication',
  'metadata',
];

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems with the card, each with its JSON path; [] when it is valid. */
export function validateAdaptiveCard(card: unknown): string[] {
  const problems: string[] = [];
  const bad = (path: string, what: string) => problems.push(`${path}: ${what}`);

  function known(path: string, obj: Json, allowed: readonly string[]) {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) bad(path, `property "${k}" is not in the schema for ${String(obj.type)}`);
  }

  function checkEnums(path: string, obj: Json, spec: Spec) {
    if (obj.spacing !== undefined && !SPACING.includes(String(obj.spacing))) bad(path, `spacing "${String(obj.spacing)}"`);
    for (const [k, values] of Object.entries(spec.enums ?? {})) {
      if (obj[k] !== undefined && !values.includes(String(obj[k]))) bad(path, `${k} "${String(obj[k])}" is not one of ${values.join(', ')}`);
    }
  }

  function action(path: string, a: unknown) {
    if (!isObj(a)) return bad(path, 'an action must be an object');
    const spec = ACTIONS[String(a.type)];
    if (!spec) return bad(path, `unknown action type "${String(a.type)}"`);
    known(path, a, [...ACTION_COMMON, ...spec.props]);
    for (const r of spec.required ?? []) if (a[r] === undefined) bad(path, `needs "${r}"`);
    if (a.style !== undefined && !['default', 'positive', 'destructive'].includes(String(a.style))) bad(path, `style "${String(a.style)}"`);
    if (a.type === 'Action.ShowCard' && a.card !== undefined) problems.push(...validateAdaptiveCard(a.card).map((p) => `${path}.card${p}`));
  }

  function chart(path: string, el: Json) {
    const spec = CHART_PROPERTIES[el.type as keyof typeof CHART_PROPERTIES];
    known(path, el, [...COMMON, ...spec.element]);
    if (el.fallback === undefined) bad(path, 'a chart needs a fallback (hosts without charts render it)');
    const list = el.type === 'Chart.Gauge' ? el.segments : el.data;
    if (el.type !== 'Chart.Gauge' && !Array.isArray(el.data)) bad(path, 'needs a "data" array');
    if (el.type === 'Chart.Gauge') {
      for (const k of ['value', 'min', 'max']) if (el[k] !== undefined && typeof el[k] !== 'number') bad(path, `${k} must be a number`);
      if (el.valueFormat !== undefined && !['Percentage', 'Fraction'].includes(String(el.valueFormat))) bad(path, `valueFormat "${String(el.valueFormat)}"`);
    }
    if (!Array.isArray(list)) return;
    list.forEach((d, i) => {
      const p = `${path}.${el.type === 'Chart.Gauge' ? 'segments' : 'data'}[${i}]`;
      if (!isObj(d)) return bad(p, 'must be an object');
      known(p, d, spec.data);
      const nestedKey = el.type === 'Chart.HorizontalBar.Stacked' ? 'data' : 'values';
      if (spec.nested) {
        const nested = d[nestedKey];
        if (!Array.isArray(nested)) return bad(p, `needs a "${nestedKey}" array`);
        nested.forEach((n, j) => {
          if (!isObj(n)) return bad(`${p}.${nestedKey}[${j}]`, 'must be an object');
          known(`${p}.${nestedKey}[${j}]`, n, spec.nested!);
          for (const [k, v] of Object.entries(n))
            if ((k === 'y' || k === 'value') && (typeof v !== 'number' || !Number.isFinite(v))) bad(`${p}.${nestedKey}[${j}]`, `${k} must be a finite number`);
        });
      }
      for (const [k, v] of Object.entries(d))
        if ((k === 'y' || k === 'value' || k === 'size') && (typeof v !== 'number' || !Number.isFinite(v))) bad(p, `${k} must be a finite number`);
    });
  }

  function element(path: string, el: unknown) {
    if (!isObj(el)) return bad(path, 'an element must be an object');
    if ('$when' in el || '$data' in el) bad(path, 'template expression left in the card');
    const type = String(el.type);
    if (type.startsWith('Chart.')) {
      if (!(type in CHART_PROPERTIES)) return bad(path, `unknown chart type "${type}"`);
      chart(path, el);
    } else {
      const spec = ELEMENTS[type];
      if (!spec) return bad(path, `unknown element type "${type}"`);
      known(path, el, [...COMMON, ...spec.props]);
      for (const r of spec.required ?? []) if (el[r] === undefined || el[r] === null) bad(path, `needs "${r}"`);
      checkEnums(path, el, spec);
      if (type === 'Container')
        (Array.isArray(el.items) ? el.items : [bad(path, '"items" must be an array')]).forEach((c, i) => c !== undefined && element(`${path}.items[${i}]`, c));
      if (type === 'ColumnSet' && el.columns !== undefined) {
        if (!Array.isArray(el.columns)) bad(path, '"columns" must be an array');
        else
          el.columns.forEach((c, i) => {
            const cp = `${path}.columns[${i}]`;
            if (!isObj(c)) return bad(cp, 'a column must be an object');
            if (c.type !== undefined && c.type !== 'Column') bad(cp, `type "${String(c.type)}" in columns`);
            known(cp, c, COLUMN.props);
            checkEnums(cp, c, COLUMN);
            if (c.width !== undefined && !(typeof c.width === 'number' || /^(auto|stretch|\d+(\.\d+)?(px)?)$/.test(String(c.width))))
              bad(cp, `width "${String(c.width)}"`);
            (Array.isArray(c.items) ? c.items : []).forEach((x, j) => element(`${cp}.items[${j}]`, x));
          });
      }
      if (type === 'FactSet') {
        if (!Array.isArray(el.facts)) bad(path, '"facts" must be an array');
        else
          el.facts.forEach((f, i) =>
            isObj(f) && typeof f.title === 'string' && typeof f.value === 'string'
              ? known(`${path}.facts[${i}]`, f, ['title', 'value'])
              : bad(`${path}.facts[${i}]`, 'a fact needs title and value strings'),
          );
      }
      if (type === 'ActionSet' && Array.isArray(el.actions)) el.actions.forEach((a, i) => action(`${path}.actions[${i}]`, a));
      if (type === 'TextBlock' && typeof el.text !== 'string') bad(path, 'text must be a string');
    }
    if (el.fallback !== undefined && el.fallback !== 'drop') element(`${path}.fallback`, el.fallback);
  }

  if (!isObj(card)) return ['$: a card must be an object'];
  if (card.type !== 'AdaptiveCard') bad('$', 'type must be AdaptiveCard');
  if (typeof card.version !== 'string' || !/^1\.[0-5]$/.test(card.version)) bad('$', `version "${String(card.version)}" is not 1.0–1.5`);
  known('$', card, CARD_PROPERTIES_ALL);
  if (card.body !== undefined) {
    if (!Array.isArray(card.body)) bad('$', 'body must be an array');
    else card.body.forEach((e, i) => element(`$.body[${i}]`, e));
  }
  if (card.actions !== undefined) {
    if (!Array.isArray(card.actions)) bad('$', 'actions must be an array');
    else card.actions.forEach((a, i) => action(`$.actions[${i}]`, a));
  }
  return problems;
}

const CARD_PROPERTIES_ALL = CARD_PROPS;

/** Every chart element in the card (fallbacks included), for tests that look at them. */
export function chartsIn(card: unknown): Json[] {
  const out: Json[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      if (typeof v.type === 'string' && v.type.startsWith('Chart.')) out.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(card);
  return out;
}
