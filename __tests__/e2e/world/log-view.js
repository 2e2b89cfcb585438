// The job log as a person sees it on GitHub: workflow commands turned into their display, ::add-mask:: lines
// hidden, and every registered secret replaced by *** from its mask line on (never before it).

/** @type {Record<string, (message: string, debug: boolean) => string | undefined>} */
const DISPLAY = {
  debug: (message, debug) => (debug ? `##[debug]${message}` : undefined),
  notice: (message) => `Notice: ${message}`,
  warning: (message) => `Warning: ${message}`,
  error: (message) => `Error: ${message}`,
  group: (message) => `▸ ${message}`,
  endgroup: () => undefined,
};

/**
 * @param {string} raw  the step's stdout and stderr, in order
 * @param {{ debug?: boolean, masks?: Set<string> }} [options]  `masks` carries secrets across a job's steps
 * @returns {string}
 */
export function maskedLog(raw, { debug = false, masks = new Set() } = {}) {
  const shown = [];
  for (const line of raw.replace(/\n$/, '').split('\n')) {
    const command = /^::([\w-]+)(?: [^:]*)?::(.*)$/.exec(line);
    const [, name = '', message = ''] = command ?? [];
    if (name === 'add-mask') {
      const secret = unescape(message);
      if (secret.trim() !== '') masks.add(secret);
      continue;
    }
    const display = DISPLAY[name];
    const text = display === undefined ? line : display(unescape(message), debug);
    if (text !== undefined) shown.push(mask(text, masks));
  }
  return shown.join('\n');
}

/**
 * The deprecated commands that still change what a step hands on when printed: `::save-state name=N::value` and
 * `::set-output name=N::value`. The runner reads a line as a command once its leading white space is trimmed.
 * @param {string} raw  the step's stdout and stderr
 * @returns {{ state: Record<string, string>, outputs: Record<string, string> }}
 */
export function stdoutCommands(raw) {
  /** @type {{ state: Record<string, string>, outputs: Record<string, string> }} */
  const found = { state: {}, outputs: {} };
  for (const line of raw.split(/\r?\n|\r/)) {
    const command = /^::(save-state|set-output) name=([^,:]+)(?:,[^:]*)?::(.*)$/.exec(line.trimStart());
    if (!command) continue;
    const [, name, key = '', value = ''] = command;
    found[name === 'save-state' ? 'state' : 'outputs'][unescapeProperty(key)] = unescape(value);
  }
  return found;
}

/**
 * @param {string} text
 * @param {Set<string>} masks
 */
function mask(text, masks) {
  let out = text;
  for (const secret of [...masks].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/**
 * Undoes @actions/core's escaping of command values.
 * @param {string} value
 */
function unescape(value) {
  return value.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/**
 * Undoes @actions/core's escaping of command properties.
 * @param {string} value
 */
function unescapeProperty(value) {
  return unescape(value.replace(/%3A/g, ':').replace(/%2C/g, ','));
}
