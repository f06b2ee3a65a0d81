// NATS subject matching, as delivery does it: a subscription's "*" matches
// one token, a trailing ">" one or more.

/** Whether the subscription subject pattern matches the literal subject. */
export function matches(pattern, subject) {
  const p = pattern.split('.'), s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i === p.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Whether s is a subject one may publish to (no wildcards, no blanks). */
export function isLiteral(s) {
  return s !== '' && s.split('.').every((t) => t !== '' && t !== '*' && t !== '>' && !/\s/.test(t));
}
