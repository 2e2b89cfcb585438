// The runner reads every line a step prints as a possible workflow command: `::set-output …`, `::save-state …`,
// `::add-mask::…`, or the older `##[…]` form, at the start of a line after white space. Log lines carry values
// from outside (ARNs, claims, profile names, messages of servers), so a plain line is made one line that can't
// be read as a command.

/** `text` as one printable log line: line breaks shown as `\n`, and a line that would be a command marked `» `. */
export function plainLine(text: string): string {
  const oneLine = text.replace(/\r\n|\r|\n/g, '\\n');
  return /^\s*(::|##\[)/.test(oneLine) ? `» ${oneLine}` : oneLine;
}
