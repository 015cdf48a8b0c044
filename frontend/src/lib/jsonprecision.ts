// JSON.parse loses how a number was written: "7.10" and "7.1" become the same
// number, and a lab that reports two decimals should be shown with two. This
// parser returns what JSON.parse returns and also remembers, per object and
// key (or array and index), how many decimals each number literal had.
// (JSON.parse's source-text access would do this, but the webview's engine
// may not have it.)

const decimals = new WeakMap<object, Map<string, number>>();

/** Decimals the source wrote for holder[key], if it was a number literal with a fraction. */
export function writtenDecimals(holder: object, key: string | number): number | undefined {
  return decimals.get(holder)?.get(String(key));
}

export function parseKeepingPrecision(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`Unexpected JSON at ${i}`);
  };
  const note = (holder: object, key: string, lit: string | undefined) => {
    if (lit === undefined) return;
    const m = /\.(\d+)/.exec(lit);
    if (!m || /[eE]/.test(lit)) return;
    let map = decimals.get(holder);
    if (!map) decimals.set(holder, (map = new Map()));
    map.set(key, m[1].length);
  };
  // Returns [value, literal text when it was a number].
  const value = (): [unknown, string | undefined] => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') return i++, [o, undefined];
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = string();
        ws();
        if (text[i++] !== ':') fail();
        const [v, lit] = value();
        o[k] = v;
        note(o, k, lit);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, [o, undefined];
        else fail();
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === ']') return i++, [a, undefined];
      for (;;) {
        const [v, lit] = value();
        note(a, String(a.length), lit);
        a.push(v);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, [a, undefined];
        else fail();
      }
    }
    if (c === '"') return [string(), undefined];
    const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (m) {
      i += m[0].length;
      return [Number(m[0]), m[0]];
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return [v, undefined];
      }
    }
    return fail();
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    // The literal is valid JSON string syntax: let JSON.parse decode escapes.
    return JSON.parse(text.slice(start, i)) as string;
  };
  const [v] = value();
  ws();
  if (i !== text.length) fail();
  return v;
}
