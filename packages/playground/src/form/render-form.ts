import { alternativeFor, emptyValue, fits, type FieldModel, type Literal } from './form-model.js';
import { formatNumbers, parseJson, parseNumber, parseNumbers, schemaIssues, type FieldIssue } from './form-values.js';
import type { SlotForm } from './slots.js';

/** A rendered field: its element, and how to read what the user typed. */
interface Rendered {
  readonly element: HTMLElement;
  /** The value (undefined: left empty), and what is wrong with the text where it cannot be read. */
  read(): { value: unknown; issues: FieldIssue[] };
}

/** One slot's form on the page. */
export interface RenderedSlot {
  readonly form: SlotForm;
  readonly element: HTMLFieldSetElement;
  /** The slot's values, checked against its schema; issues are shown beside their fields. */
  read(): { value: Record<string, unknown>; issues: FieldIssue[] };
}

interface Context {
  /** Element id of this field's input; ids are `opt-<slot>-<path>` with `.` as `-`. */
  readonly id: string;
  /** Option path inside the slot (`lr.steps`), matched against schema issue paths. */
  readonly path: string;
  readonly label: string;
  readonly required: boolean;
}

const h = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>) => {
  const el = document.createElement(tag);
  Object.assign(el, props);
  el.append(...children);
  return el;
};
const cssId = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '-');

/**
 * Render a slot's options as a fieldset of labelled inputs, generated from its schema's form model
 * and filled with `values` (the resolved options, or what the user had typed before).
 */
export function renderSlot(form: SlotForm, values: Readonly<Record<string, unknown>> = form.initial): RenderedSlot {
  const legend = h('legend', {}, form.title);
  const inner = renderObject(form.field, values, { id: `opt-${cssId(form.slot)}`, path: '', label: form.title, required: true }, false);
  const problems = h('ul', { className: 'issues' });
  const element = h('fieldset', { className: 'slot' }, legend, inner.element, problems);
  element.dataset.slot = form.slot;
  return {
    form,
    element,
    read() {
      const { value, issues: typed } = inner.read();
      const record = (value ?? {}) as Record<string, unknown>;
      // Text that is not a number (say) is reported as such; the schema checks the rest.
      const issues = typed.length > 0 ? typed : schemaIssues(form.schema, record);
      showIssues(element, problems, issues);
      return { value: record, issues };
    },
  };
}

function showIssues(root: HTMLElement, list: HTMLUListElement, issues: readonly FieldIssue[]): void {
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('.field-error'))) el.textContent = '';
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('[aria-invalid]'))) el.removeAttribute('aria-invalid');
  list.replaceChildren();
  for (const issue of issues) {
    // The closest field that owns the path: a schedule's `lr.steps` error goes to `lr.steps`, or `lr`.
    let target: HTMLElement | null = null;
    for (let parts = issue.path.split('.'); parts.length > 0 && !target; parts = parts.slice(0, -1)) {
      target = root.querySelector<HTMLElement>(`[data-path="${CSS.escape(parts.join('.'))}"]`);
    }
    if (target) {
      const slot = target.querySelector<HTMLElement>(':scope > .field-error');
      if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${issue.message}` : issue.message;
      target.querySelector(':scope > input, :scope > select, :scope > textarea')?.setAttribute('aria-invalid', 'true');
    } else {
      list.append(h('li', {}, issue.path ? `${issue.path}: ${issue.message}` : issue.message));
    }
  }
}

function renderField(field: FieldModel, value: unknown, ctx: Context): Rendered {
  switch (field.kind) {
    case 'object':
      return renderObject(field, value, ctx, true);
    case 'choice':
      return renderChoice(field, value, ctx);
    case 'const':
      return { element: h('span', { hidden: true }), read: () => ({ value: field.value, issues: [] }) };
    case 'fixed':
      return renderFixed(field, value, ctx);
    default:
      return renderLeaf(field, value, ctx);
  }
}

/** A labelled wrapper with the description and an error slot, both tied to the input for screen readers. */
function fieldBox(field: FieldModel, ctx: Context, input: HTMLElement, labelFirst = true): HTMLDivElement {
  const label = h('label', { htmlFor: ctx.id }, ctx.label);
  const described: string[] = [];
  const parts: HTMLElement[] = [];
  if (field.description) {
    parts.push(h('small', { id: `${ctx.id}-desc`, className: 'field-desc' }, field.description));
    described.push(`${ctx.id}-desc`);
  }
  const error = h('span', { id: `${ctx.id}-error`, className: 'field-error' });
  described.push(`${ctx.id}-error`);
  input.setAttribute('aria-describedby', described.join(' '));
  const box = h('div', { className: `field field-${field.kind}` }, ...(labelFirst ? [label, input] : [input, label]), ...parts);
  box.dataset.path = ctx.path;
  // The error span is a direct child so that showIssues finds it for this path.
  box.append(error);
  return box;
}

function renderLeaf(field: Exclude<FieldModel, { kind: 'object' | 'choice' | 'const' | 'fixed' }>, value: unknown, ctx: Context): Rendered {
  switch (field.kind) {
    case 'number': {
      const input = h('input', { id: ctx.id, type: 'text', inputMode: 'decimal', value: typeof value === 'number' ? String(value) : '', required: ctx.required });
      input.name = ctx.id;
      if (!ctx.required) input.placeholder = 'not set';
      return {
        element: fieldBox(field, ctx, input),
        read: () => {
          if (input.value.trim() === '') return ctx.required ? { value: undefined, issues: [{ path: ctx.path, message: 'needs a number' }] } : { value: undefined, issues: [] };
          const parsed = parseNumber(input.value, field);
          return parsed.ok ? { value: parsed.value, issues: [] } : { value: undefined, issues: [{ path: ctx.path, message: parsed.message }] };
        },
      };
    }
    case 'numbers': {
      const input = h('input', { id: ctx.id, type: 'text', value: Array.isArray(value) ? formatNumbers(value as number[]) : '' });
      input.name = ctx.id;
      input.placeholder = 'numbers, separated by commas';
      return {
        element: fieldBox(field, ctx, input),
        read: () => {
          if (input.value.trim() === '' && !ctx.required) return { value: undefined, issues: [] };
          const parsed = parseNumbers(input.value, field);
          return parsed.ok ? { value: parsed.value, issues: [] } : { value: undefined, issues: [{ path: ctx.path, message: parsed.message }] };
        },
      };
    }
    case 'boolean': {
      const input = h('input', { id: ctx.id, type: 'checkbox', checked: value === true });
      input.name = ctx.id;
      return { element: fieldBox(field, ctx, input, false), read: () => ({ value: input.checked, issues: [] }) };
    }
    case 'enum': {
      const select = h('select', { id: ctx.id });
      select.name = ctx.id;
      const options: Array<Literal | undefined> = ctx.required ? [...field.options] : [undefined, ...field.options];
      options.forEach((o, i) => select.append(h('option', { value: String(i), selected: o === value }, o === undefined ? 'not set' : String(o))));
      return { element: fieldBox(field, ctx, select), read: () => ({ value: options[select.selectedIndex], issues: [] }) };
    }
    case 'text': {
      const input = h('input', { id: ctx.id, type: 'text', value: typeof value === 'string' ? value : '' });
      input.name = ctx.id;
      return { element: fieldBox(field, ctx, input), read: () => ({ value: input.value === '' && !ctx.required ? undefined : input.value, issues: [] }) };
    }
    case 'json': {
      const area = h('textarea', { id: ctx.id, rows: 3, value: value === undefined ? '' : JSON.stringify(value) });
      area.name = ctx.id;
      return {
        element: fieldBox(field, ctx, area),
        read: () => {
          if (area.value.trim() === '' && !ctx.required) return { value: undefined, issues: [] };
          const parsed = parseJson(area.value);
          return parsed.ok ? { value: parsed.value, issues: [] } : { value: undefined, issues: [{ path: ctx.path, message: parsed.message }] };
        },
      };
    }
  }
}

function renderFixed(field: FieldModel, value: unknown, ctx: Context): Rendered {
  const meta = (value as { meta?: { id?: string; name?: string } } | null)?.meta;
  const text = meta?.id ? `${meta.id} (${meta.name ?? 'plugin'}), set by the experiment` : `${JSON.stringify(value) ?? 'not set'}, set by the experiment`;
  const output = h('output', { id: ctx.id }, text);
  return { element: fieldBox(field, ctx, output), read: () => ({ value, issues: [] }) };
}

function renderObject(field: Extract<FieldModel, { kind: 'object' }>, value: unknown, ctx: Context, nested: boolean): Rendered {
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const children = field.fields.map((f) => ({
    key: f.key,
    rendered: renderField(f.field, record[f.key], {
      id: `${ctx.id}-${cssId(f.key)}`,
      path: ctx.path ? `${ctx.path}.${f.key}` : f.key,
      label: f.key,
      required: f.required,
    }),
  }));
  const body = children.map((c) => c.rendered.element);
  const element = nested ? h('fieldset', { className: 'nested' }, h('legend', {}, ctx.label), ...body) : h('div', { className: 'fields' }, ...body);
  element.dataset.path = ctx.path;
  return {
    element,
    read() {
      const out: Record<string, unknown> = {};
      const issues: FieldIssue[] = [];
      for (const c of children) {
        const r = c.rendered.read();
        issues.push(...r.issues);
        if (r.value !== undefined) out[c.key] = r.value;
      }
      return { value: out, issues };
    },
  };
}

function renderChoice(field: Extract<FieldModel, { kind: 'choice' }>, value: unknown, ctx: Context): Rendered {
  const select = h('select', { id: ctx.id });
  select.name = ctx.id;
  // An optional union with no value (`eval`) can stay unset.
  const unset = !ctx.required && value === undefined;
  const offset = ctx.required ? 0 : 1;
  if (!ctx.required) select.append(h('option', { value: 'unset', selected: unset }, 'not set'));
  const chosen = unset ? -1 : alternativeFor(field, value);
  field.alternatives.forEach((a, i) => select.append(h('option', { value: String(i), selected: i === chosen }, a.label)));
  const body = h('div', { className: 'choice-body' });
  const box = fieldBox(field, ctx, select);
  box.insertBefore(body, box.querySelector(':scope > .field-error'));
  let current: Rendered | null = null;
  const show = (index: number, start: unknown) => {
    const alternative = field.alternatives[index];
    current = alternative ? renderField(alternative.field, start, { ...ctx, id: `${ctx.id}-${index}`, label: `${ctx.label}: ${alternative.label}`, required: true }) : null;
    body.replaceChildren(...(current ? [current.element] : []));
  };
  show(chosen, value);
  select.addEventListener('change', () => {
    const index = select.selectedIndex - offset;
    const alternative = field.alternatives[index];
    // Keep the value when it fits the new alternative (a number stays a number); else start afresh.
    show(index, alternative && fits(alternative.field, value) ? value : alternative ? emptyValue(alternative.field) : undefined);
  });
  return {
    element: box,
    read: () => (current ? current.read() : { value: undefined, issues: [] }),
  };
}
