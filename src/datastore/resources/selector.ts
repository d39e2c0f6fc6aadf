// Label selectors in the Calico manner: `rack == 'a'`, `rack != 'b'`, `has(tor)`, `!has(x)`,
// `zone in {'a', 'b'}`, `zone not in {'c'}`, `all()`, joined by `&&` / `||`, with parentheses.
// Parsed once into a predicate; an empty selector selects nothing (use all() for everything).

export type Labels = Readonly<Record<string, string>>;
export type Selector = (labels: Labels) => boolean;

export class SelectorError extends Error {
  readonly expose = true;
}

const TOKEN = /\s*(&&|\|\||==|!=|!|\(|\)|\{|\}|,|'[^']*'|"[^"]*"|[A-Za-z0-9_./-]+)/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new SelectorError(`unexpected "${src.slice(pos).trim()[0]}" at offset ${pos}`);
    out.push(m[1]!);
    pos = TOKEN.lastIndex;
  }
  return out;
}

export function parseSelector(src: string): Selector {
  const t = tokenize(src);
  let i = 0;
  const peek = () => t[i];
  const next = () => {
    const x = t[i++];
    if (x === undefined) throw new SelectorError('selector ends too early');
    return x;
  };
  const expect = (x: string) => {
    const got = next();
    if (got !== x) throw new SelectorError(`expected "${x}" but found "${got}"`);
  };
  const ident = () => {
    const x = next();
    if (!/^[A-Za-z0-9_./-]+$/.test(x)) throw new SelectorError(`expected a label name but found "${x}"`);
    return x;
  };
  const literal = () => {
    const x = next();
    if (!/^('.*'|".*")$/.test(x)) throw new SelectorError(`expected a quoted value but found "${x}"`);
    return x.slice(1, -1);
  };
  const set = () => {
    expect('{');
    const vals = new Set<string>();
    if (peek() !== '}') {
      vals.add(literal());
      while (peek() === ',') {
        next();
        vals.add(literal());
      }
    }
    expect('}');
    return vals;
  };
  const term = (): Selector => {
    const x = peek();
    if (x === '(') {
      next();
      const e = or();
      expect(')');
      return e;
    }
    if (x === '!') {
      next();
      if (peek() === 'has') {
        next();
        expect('(');
        const k = ident();
        expect(')');
        return (l) => !(k in l);
      }
      const inner = term();
      return (l) => !inner(l);
    }
    if (x === 'all') {
      next();
      expect('(');
      expect(')');
      return () => true;
    }
    if (x === 'has') {
      next();
      expect('(');
      const k = ident();
      expect(')');
      return (l) => k in l;
    }
    const k = ident();
    const op = next();
    if (op === '==') {
      const v = literal();
      return (l) => l[k] === v;
    }
    if (op === '!=') {
      const v = literal();
      return (l) => l[k] !== v;
    }
    if (op === 'in') {
      const s = set();
      return (l) => l[k] !== undefined && s.has(l[k]!);
    }
    if (op === 'not') {
      expect('in');
      const s = set();
      return (l) => l[k] === undefined || !s.has(l[k]!);
    }
    throw new SelectorError(`expected ==, !=, in or not in after "${k}" but found "${op}"`);
  };
  const and = (): Selector => {
    let e = term();
    while (peek() === '&&') {
      next();
      const a = e,
        b = term();
      e = (l) => a(l) && b(l);
    }
    return e;
  };
  const or = (): Selector => {
    let e = and();
    while (peek() === '||') {
      next();
      const a = e,
        b = and();
      e = (l) => a(l) || b(l);
    }
    return e;
  };
  if (t.length === 0) return () => false;
  const sel = or();
  if (i !== t.length) throw new SelectorError(`unexpected "${t[i]}"`);
  return sel;
}
