/** An XML element as the checker read it. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A small, strict XML 1.0 well-formedness check (enough for JUnit reports): one root, matching
 * tags, quoted attributes without duplicates, only the five predefined entities or character
 * references, no raw `<` or `&` in text. Throws with the offset of the first problem.
 */
export function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`XML: ${msg} at offset ${i}`);
  };
  const decode = (s: string): string => {
    if (/[<]/.test(s)) fail('raw < in text or attribute');
    return s.replace(/&([^;]*);?/g, (m, name: string) => {
      if (!m.endsWith(';')) fail(`unterminated entity &${name}`);
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
      if (named[name] !== undefined) return named[name];
      if (/^#\d+$/.test(name)) return String.fromCodePoint(Number(name.slice(1)));
      if (/^#x[0-9a-fA-F]+$/.test(name)) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
      return fail(`unknown entity &${name};`);
    });
  };
  const skipSpace = (): void => {
    while (/\s/.test(xml[i] ?? '')) i++;
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  skipSpace();
  const name = /^[A-Za-z_][\w.-]*/;
  const element = (): XmlElement => {
    if (xml[i] !== '<') fail('expected <');
    i++;
    const m = name.exec(xml.slice(i));
    if (!m) return fail('expected a tag name');
    i += m[0].length;
    const el: XmlElement = { name: m[0], attributes: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (xml.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (xml[i] === '>') {
        i++;
        break;
      }
      const a = name.exec(xml.slice(i));
      if (!a) return fail('expected an attribute name');
      i += a[0].length;
      if (xml[i] !== '=') fail('expected =');
      i++;
      const q = xml[i];
      if (q !== '"' && q !== "'") fail('attribute value not quoted');
      const end = xml.indexOf(q!, i + 1);
      if (end < 0) fail('unterminated attribute value');
      if (a[0] in el.attributes) fail(`duplicate attribute ${a[0]}`);
      el.attributes[a[0]] = decode(xml.slice(i + 1, end));
      i = end + 1;
    }
    for (;;) {
      const next = xml.indexOf('<', i);
      if (next < 0) fail(`unclosed <${el.name}>`);
      el.text += decode(xml.slice(i, next));
      i = next;
      if (xml.startsWith('</', i)) {
        const close = `</${el.name}>`;
        if (!xml.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return el;
      }
      el.children.push(element());
    }
  };
  const root = element();
  skipSpace();
  if (i !== xml.length) fail('content after the root element');
  return root;
}
