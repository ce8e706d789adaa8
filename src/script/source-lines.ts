import type { SourceLocation } from './script-errors.js';

/**
 * One logical line of a script: physical lines joined where they end in `\`, with the comment
 * (from `#` outside quotes) split off. `locate(offset)` maps a position in `text` back to the file.
 */
export interface LogicalLine {
  text: string;
  comment: string | undefined;
  line: number;
  locate(offset: number): SourceLocation;
}

interface Segment {
  offset: number;
  line: number;
  column: number;
}

export function splitLogicalLines(source: string, file: string): LogicalLine[] {
  const physical = source.split(/\r?\n/);
  const out: LogicalLine[] = [];
  let text = '';
  let segments: Segment[] = [];
  let startLine = 0;
  for (let i = 0; i < physical.length; i++) {
    let raw = physical[i]!;
    if (i === 0 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1);
    if (segments.length === 0) startLine = i + 1;
    const { code, comment } = splitComment(raw);
    // Scriptor continues a line that ends in a backslash (before any comment).
    const continued = /\\\s*$/.test(code);
    const body = continued ? code.replace(/\\\s*$/, ' ') : code;
    segments.push({ offset: text.length, line: i + 1, column: 1 });
    text += body;
    if (continued && i < physical.length - 1) continue;
    out.push(makeLine(text, comment, startLine, segments, file));
    text = '';
    segments = [];
  }
  return out;
}

function makeLine(text: string, comment: string | undefined, line: number, segments: Segment[], file: string): LogicalLine {
  const segs = segments;
  return {
    text,
    comment,
    line,
    locate(offset: number): SourceLocation {
      let seg = segs[0]!;
      for (const s of segs) if (s.offset <= offset) seg = s;
      return { file, line: seg.line, column: seg.column + offset - seg.offset };
    },
  };
}

/** Splits `code # comment`; a `#` inside "double quotes" is text. */
function splitComment(raw: string): { code: string; comment: string | undefined } {
  if (!raw.includes('#')) return { code: raw, comment: undefined };
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '#' && !quoted) return { code: raw.slice(0, i), comment: raw.slice(i + 1).trim() };
  }
  return { code: raw, comment: undefined };
}
