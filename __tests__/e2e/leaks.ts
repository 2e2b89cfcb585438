// The secrets rule for every step's raw stdout+stderr: a secret may appear only on its own ::add-mask:: line, so
// the runner has registered it before anything could print it (the runner cannot hide what came earlier).

/** A secret and what to call it in a failure message (the value itself is never shown). */
export interface NamedSecret {
  readonly name: string;
  readonly value: string;
}

/** Every line that shows a secret other than as its own `::add-mask::` line, with the secret replaced by its name. */
export function findLeaks(log: string, secrets: readonly NamedSecret[]): string[] {
  const lines = log.split('\n');
  const leaks: string[] = [];
  for (const { name, value } of secrets) {
    lines.forEach((line, index) => {
      if (line.includes(value) && line !== `::add-mask::${value}`) {
        leaks.push(`line ${index + 1} shows the ${name}: ${hide(line, secrets)}`);
      }
    });
  }
  return leaks;
}

/** The names of secrets that have no `::add-mask::` line in the log. */
export function findUnmasked(log: string, secrets: readonly NamedSecret[]): string[] {
  const lines = new Set(log.split('\n'));
  return secrets.filter(({ value }) => !lines.has(`::add-mask::${value}`)).map(({ name }) => name);
}

/** Temporary credentials in STS answers (`<SecretAccessKey>`, `<SessionToken>`). */
export function credentialsIn(stsAnswer: string): NamedSecret[] {
  const secrets: NamedSecret[] = [];
  for (const [tag, name] of [
    ['SecretAccessKey', 'temporary secret key'],
    ['SessionToken', 'session token'],
  ] as const) {
    for (const match of stsAnswer.matchAll(new RegExp(`<${tag}>([^<]+)</${tag}>`, 'g'))) {
      secrets.push({ name, value: match[1] ?? '' });
    }
  }
  return secrets;
}

function hide(line: string, secrets: readonly NamedSecret[]): string {
  return secrets.reduce((text, { name, value }) => text.split(value).join(`<${name}>`), line);
}
