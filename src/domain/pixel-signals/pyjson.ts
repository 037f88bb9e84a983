// Just enough of Python's `json` module to re-create the bytes NovelAI signs.
//
// NovelAI's verifier (NovelAI/novelai-image-metadata, nai_sig.py) parses the comment with
// json.loads, deletes "signed_hash", and verifies the signature over
// `rgb_bytes + json.dumps(comment).encode("utf-8")`. So the signed text is whatever
// Python's json.dumps prints for that dict, with its defaults: ", " and ": " separators,
// ensure_ascii (every character outside " ".."~" as a lowercase \uXXXX escape), keys in
// insertion order, floats by repr(), NaN/Infinity spelled so. JavaScript's JSON cannot
// reproduce that: JSON.parse reorders integer-like keys and forgets whether a number was
// written "10.0" or "10", and JSON.stringify neither escapes non-ASCII nor spaces its
// separators. Hence this small parser (keeps order and number kinds, Python dict semantics
// for repeated keys) and printer.

export type PyValue =
  | { kind: "null" }
  | { kind: "bool"; value: boolean }
  | { kind: "int"; text: string }
  | { kind: "float"; value: number }
  | { kind: "str"; value: string }
  | { kind: "list"; items: PyValue[] }
  | { kind: "dict"; entries: Map<string, PyValue> };

export class PyJsonError extends Error {}

/** Parses JSON text as Python's json.loads would (strict=True: no raw control characters in strings). */
export function pyLoads(text: string): PyValue {
  const p = new Parser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.i !== text.length) throw new PyJsonError(`extra data at ${p.i}`);
  return v;
}

/** json.dumps(value) with Python's defaults. */
export function pyDumps(v: PyValue): string {
  switch (v.kind) {
    case "null":
      return "null";
    case "bool":
      return v.value ? "true" : "false";
    case "int":
      return v.text;
    case "float":
      return pyFloatRepr(v.value);
    case "str":
      return pyStr(v.value);
    case "list":
      return `[${v.items.map(pyDumps).join(", ")}]`;
    case "dict": {
      const parts: string[] = [];
      for (const [k, val] of v.entries) parts.push(`${pyStr(k)}: ${pyDumps(val)}`);
      return `{${parts.join(", ")}}`;
    }
  }
}

/** repr(float) as json.dumps prints it (allow_nan=True). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // toExponential() with no argument gives the shortest round-tripping digits, as CPython's
  // repr does (both are "shortest, then closest" conversions).
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (m === null) throw new Error(`unexpected toExponential output for ${x}`);
  const sign = m[1] ?? "";
  const digits = (m[2] ?? "") + (m[3] ?? "");
  const exp = Number(m[4]);
  const decpt = exp + 1; // CPython's decimal point position: value = 0.DIGITS x 10^decpt
  if (decpt <= -4 || decpt > 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp);
    return `${sign}${mant}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** A JSON string literal as json.dumps(ensure_ascii=True) writes it. */
export function pyStr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    // UTF-16 code units, so characters beyond the BMP come out as surrogate pairs, as in Python.
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return out + '"';
}

/** Plain JavaScript view of a parsed value (numbers as numbers), for display and lookups. */
export function toJs(v: PyValue): unknown {
  switch (v.kind) {
    case "null":
      return null;
    case "bool":
      return v.value;
    case "int":
      return Number(v.text);
    case "float":
      return v.value;
    case "str":
      return v.value;
    case "list":
      return v.items.map(toJs);
    case "dict": {
      const o: Record<string, unknown> = {};
      for (const [k, val] of v.entries) o[k] = toJs(val);
      return o;
    }
  }
}

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  fail(what: string): never {
    throw new PyJsonError(`${what} at ${this.i}`);
  }

  value(): PyValue {
    const s = this.s;
    const c = s[this.i];
    if (c === "{") return this.dict();
    if (c === "[") return this.list();
    if (c === '"') return { kind: "str", value: this.str() };
    if (s.startsWith("null", this.i)) return (this.i += 4), { kind: "null" };
    if (s.startsWith("true", this.i)) return (this.i += 4), { kind: "bool", value: true };
    if (s.startsWith("false", this.i)) return (this.i += 5), { kind: "bool", value: false };
    // Python's json also accepts these three non-standard constants.
    if (s.startsWith("NaN", this.i)) return (this.i += 3), { kind: "float", value: NaN };
    if (s.startsWith("Infinity", this.i)) return (this.i += 8), { kind: "float", value: Infinity };
    if (s.startsWith("-Infinity", this.i)) return (this.i += 9), { kind: "float", value: -Infinity };
    return this.number();
  }

  number(): PyValue {
    // json.scanner's NUMBER_RE: (-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?
    const re = /(-?(?:0|[1-9]\d*))(\.\d+)?([eE][-+]?\d+)?/y;
    re.lastIndex = this.i;
    const m = re.exec(this.s);
    if (m === null) this.fail("expected a value");
    this.i = re.lastIndex;
    const [text, int, frac, exp] = m;
    if (frac === undefined && exp === undefined) {
      // Python ints are exact at any size; "-0" is int 0 and prints "0".
      return { kind: "int", text: /^-0$/.test(int ?? "") ? "0" : (int ?? text) };
    }
    return { kind: "float", value: Number(text) };
  }

  str(): string {
    const s = this.s;
    this.i++; // opening quote
    let out = "";
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (Number.isNaN(c)) this.fail("unterminated string");
      if (c === 0x22) {
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail("invalid control character in string");
      if (c !== 0x5c) {
        out += s[this.i];
        this.i++;
        continue;
      }
      const e = s[this.i + 1];
      this.i += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case "\\":
          out += "\\";
          break;
        case "/":
          out += "/";
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const hex = s.slice(this.i, this.i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\u escape");
          // Surrogates stay as separate code units, as in Python (a pair combines, a lone one stays).
          out += String.fromCharCode(parseInt(hex, 16));
          this.i += 4;
          break;
        }
        default:
          this.fail("invalid escape");
      }
    }
  }

  list(): PyValue {
    this.i++;
    const items: PyValue[] = [];
    this.ws();
    if (this.s[this.i] === "]") return this.i++, { kind: "list", items };
    for (;;) {
      this.ws();
      items.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === "]") return { kind: "list", items };
      if (c !== ",") this.fail("expected , or ]");
    }
  }

  dict(): PyValue {
    this.i++;
    // A Map keeps Python dict semantics: insertion order, and a repeated key keeps its first
    // place with its last value.
    const entries = new Map<string, PyValue>();
    this.ws();
    if (this.s[this.i] === "}") return this.i++, { kind: "dict", entries };
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail("expected a key");
      const k = this.str();
      this.ws();
      if (this.s[this.i++] !== ":") this.fail("expected :");
      this.ws();
      entries.set(k, this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === "}") return { kind: "dict", entries };
      if (c !== ",") this.fail("expected , or }");
    }
  }
}
