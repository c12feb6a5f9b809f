/**
 * The ```ts blocks of the README section under `heading` (e.g. `### Use only the modules you
 * need`), dedented, in order: the specs that prove a README recipe take its code as written.
 * The section ends at the next heading of its level or above (`##` at most: a `# ` line is a
 * comment in a shell block).
 */
export function readmeSnippets(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no heading "${heading}"`);
  const level = /^#+/.exec(heading)![0];
  const next = new RegExp(`\\n#{2,${level.length}} `, 'g');
  next.lastIndex = start + heading.length + 1;
  const end = next.exec(readme)?.index ?? readme.length;
  const section = readme.slice(start, end);
  return [...section.matchAll(/^( *)```ts\n([\s\S]*?)^\1```/gm)].map(([, indent, body]) =>
    body
      .split('\n')
      .map((line) => line.slice(indent.length))
      .join('\n'),
  );
}
