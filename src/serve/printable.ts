/** Longest text of a caller's own that a message or log line repeats (a function, property or header). */
export const ECHO_LIMIT = 64;

/** A caller's text, cut short and without control characters, fit to go into a message or a log line. */
export function printable(text: string): string {
  return text.slice(0, ECHO_LIMIT).replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
}
