/**
 * Label selectors with kubectl's `-l` grammar (apimachinery `labels.Parse`): `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; a comma is AND. As in Kubernetes, `!=` and `notin`
 * also match hosts without the key.
 */

/** A selector longer than this is refused (a hostile `-l` is parsed in the operator's shell). */
export const MAX_SELECTOR_LENGTH = 4096;

export type Requirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] };

export class InvalidLabelSelectorError extends Error {
  constructor(readonly selector: string, reason: string) {
    super(`invalid label selector "${selector}": ${reason}`);
    this.name = 'InvalidLabelSelectorError';
  }
}

// Kubernetes label keys: optional DNS-subdomain prefix and "/", then a name of at most 63 characters.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const validKey = (k: string): boolean => {
  const slash = k.indexOf('/');
  if (slash < 0) return NAME.test(k);
  const prefix = k.slice(0, slash);
  return prefix.length <= 253 && PREFIX.test(prefix) && NAME.test(k.slice(slash + 1));
};
const validValue = (v: string): boolean => v === '' || NAME.test(v);

type Token = { kind: 'id' | 'op'; text: string };
const OPERATORS = ['==', '!=', '=', '!', '(', ')', ','];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] ?? '')) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < text.length && !/[\s!=(),]/.test(text[j] ?? '')) j++;
    tokens.push({ kind: 'id', text: text.slice(i, j) });
    i = j;
  }
  return tokens;
}

export function parseLabelSelector(text: string): Requirement[] {
  const fail = (reason: string): InvalidLabelSelectorError => new InvalidLabelSelectorError(text, reason);
  if (text.length > MAX_SELECTOR_LENGTH) throw fail(`longer than ${MAX_SELECTOR_LENGTH} characters`);
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (t: Token | undefined, op: string): boolean => t?.kind === 'op' && t.text === op;
  const key = (after?: string): string => {
    const t = tokens[pos++];
    if (t?.kind !== 'id') throw fail(after ? `expected a label key after "${after}"` : 'expected a label key');
    if (!validKey(t.text)) throw fail(`invalid label key "${t.text}"`);
    return t.text;
  };
  const value = (): string => {
    const t = peek();
    if (t?.kind !== 'id') return ''; // `k=` selects an empty value, as in Kubernetes
    pos++;
    if (!validValue(t.text)) throw fail(`invalid label value "${t.text}"`);
    return t.text;
  };
  const valueSet = (op: string): string[] => {
    if (!isOp(tokens[pos++], '(')) throw fail(`expected "(" after "${op}"`);
    const values: string[] = [];
    for (;;) {
      const t = tokens[pos++];
      if (t?.kind !== 'id') throw fail('expected a value');
      if (!validValue(t.text)) throw fail(`invalid label value "${t.text}"`);
      values.push(t.text);
      const sep = tokens[pos++];
      if (isOp(sep, ')')) return values;
      if (!isOp(sep, ',')) throw fail('expected "," or ")"');
    }
  };

  const reqs: Requirement[] = [];
  if (tokens.length === 0) return reqs;
  for (;;) {
    if (isOp(peek(), '!')) {
      pos++;
      reqs.push({ key: key('!'), op: 'notexists' });
    } else {
      const k = key();
      const t = peek();
      if (t === undefined || isOp(t, ',')) reqs.push({ key: k, op: 'exists' });
      else if (isOp(t, '=') || isOp(t, '==')) {
        pos++;
        reqs.push({ key: k, op: 'in', values: [value()] });
      } else if (isOp(t, '!=')) {
        pos++;
        reqs.push({ key: k, op: 'notin', values: [value()] });
      } else if (t.kind === 'id' && (t.text === 'in' || t.text === 'notin')) {
        pos++;
        reqs.push({ key: k, op: t.text, values: valueSet(t.text) });
      } else throw fail('expected "," after a requirement');
    }
    const next = tokens[pos++];
    if (next === undefined) return reqs;
    if (!isOp(next, ',')) throw fail('expected "," after a requirement');
  }
}

export function matchesSelector(selector: Requirement[], labels: Record<string, string>): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key] ?? '');
      case 'notin':
        return !has || !r.values.includes(labels[r.key] ?? '');
    }
  });
}
