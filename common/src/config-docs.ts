import type { z } from 'zod';

/**
 * Rendering of the configuration catalogue: docs/configuration.md and the "Environment" section
 * of every command's --help come from the same zod schemas, so neither can drift from what a
 * service really parses. The registry of schemas lives in the CLI (cli/src/config/catalogue.ts),
 * the one package allowed to import every service; this module knows no service.
 */

/** Variables declared once and composed into several services' schemas (Kafka connection, logging). */
export interface ConfigGroup {
  title: string;
  intro?: string;
  shape: z.ZodRawShape;
}

/** One service or command family: the schema it parses and the shared groups that schema composes. */
export interface ConfigService {
  title: string;
  /** The commands that read this configuration, e.g. `fraud scorer`. */
  commands: readonly string[];
  intro?: string;
  /** Every variable the service reads, shared ones included. */
  shape: z.ZodRawShape;
  shared: readonly ConfigGroup[];
}

export interface ConfigCatalogue {
  groups: readonly ConfigGroup[];
  services: readonly ConfigService[];
}

export interface EnvVariable {
  name: string;
  /** The default as a reader would type it; `unset` for optional variables, `required` otherwise. */
  defaultText: string;
  description: string | undefined;
}

interface FieldInfo {
  description: string | undefined;
  hasDefault: boolean;
  defaultValue: unknown;
  optional: boolean;
}

interface ZodDefLike {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  defaultValue?: unknown;
}

/** Walks default/optional/pipe wrappers; the outermost description wins. */
function fieldInfo(field: z.ZodType): FieldInfo {
  const info: FieldInfo = { description: undefined, hasDefault: false, defaultValue: undefined, optional: false };
  let current: z.ZodType | undefined = field;
  while (current !== undefined) {
    info.description ??= current.description;
    const def = current._zod.def as unknown as ZodDefLike;
    if (def.type === 'default' && !info.hasDefault) {
      info.hasDefault = true;
      info.defaultValue = def.defaultValue;
    }
    if (def.type === 'optional') info.optional = true;
    current = def.type === 'pipe' ? def.in : def.innerType;
  }
  return info;
}

/** 300000 -> "5 min": milliseconds as a reader says them (whole units only). */
export function msText(ms: number): string | undefined {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return undefined;
}

function defaultText(name: string, info: FieldInfo): string {
  if (!info.hasDefault) return info.optional ? 'unset' : 'required';
  const v = info.defaultValue;
  const text = Array.isArray(v) ? v.join(',') : String(v);
  if (text === '') return "''";
  const span = typeof v === 'number' && name.endsWith('_MS') ? msText(v) : undefined;
  return span ? `${text} (${span})` : text;
}

/** The variables of a shape, in declaration order. */
export function envVariables(shape: z.ZodRawShape): EnvVariable[] {
  return Object.entries(shape).map(([name, field]) => {
    const info = fieldInfo(field as z.ZodType);
    return { name, defaultText: defaultText(name, info), description: info.description };
  });
}

/** A service's own variables: its shape minus the shared groups it composes. */
export function ownVariables(service: ConfigService): EnvVariable[] {
  const shared = new Set(service.shared.flatMap((g) => Object.keys(g.shape)));
  return envVariables(service.shape).filter((v) => !shared.has(v.name));
}

/** Every variable the catalogue declares, once each, sorted. */
export function catalogueVariables(catalogue: ConfigCatalogue): EnvVariable[] {
  const all = new Map<string, EnvVariable>();
  for (const shape of [...catalogue.groups.map((g) => g.shape), ...catalogue.services.map((s) => s.shape)])
    for (const v of envVariables(shape)) if (!all.has(v.name)) all.set(v.name, v);
  return [...all.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as dashes. */
export function anchorOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

/** Table-cell text: pipes escaped, `<` as an entity (GitHub would take `<version>` for an HTML tag). */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\n/g, ' ');
}

function markdownTable(vars: readonly EnvVariable[]): string[] {
  if (vars.length === 0) return ['No variables of its own: only the groups above.'];
  return [
    '| variable | default | description |',
    '|---|---|---|',
    ...vars.map((v) => `| \`${v.name}\` | ${cell(v.defaultText)} | ${cell(v.description ?? '')} |`),
  ];
}

function groupSection(group: ConfigGroup): string[] {
  return [
    `## ${group.title}`,
    '',
    ...(group.intro ? [group.intro, ''] : []),
    ...markdownTable(envVariables(group.shape)),
  ];
}

function serviceSection(service: ConfigService): string[] {
  const commands = service.commands.map((c) => `\`${c}\``).join(', ');
  const shared = service.shared.map((g) => `[${g.title}](#${anchorOf(g.title)})`).join(', ');
  const lines = [`## ${service.title}`, '', `Read by ${commands}.${shared ? ` Also reads: ${shared}.` : ''}`, ''];
  if (service.intro) lines.push(service.intro, '');
  return [...lines, ...markdownTable(ownVariables(service))];
}

/** docs/configuration.md: a header, then one table per shared group and per service. */
export function renderConfigMarkdown(catalogue: ConfigCatalogue, header: readonly string[]): string {
  const head = [...header, `${catalogueVariables(catalogue).length} variables in all.`].join('\n');
  const sections = [...catalogue.groups.map(groupSection), ...catalogue.services.map(serviceSection)];
  return `${head}\n\n${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

/** Words wrapped to `width`; continuation lines indented by `hanging` (defaults to `indent`). */
function wrap(text: string, width: number, indent: string, hanging = indent): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length ? hanging : indent;
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push((lines.length ? hanging : indent) + line);
  return lines;
}

/** The plain-text "Environment" section of a command's --help, from the same schema as the docs. */
export function renderEnvHelp(service: ConfigService, docsPath = 'docs/configuration.md', width = 100): string {
  const lines = [`Environment [default] (all of it: ${docsPath}#${anchorOf(service.title)}):`];
  if (service.intro) lines.push(...wrap(service.intro, width, '  '));
  for (const v of ownVariables(service)) {
    lines.push(`  ${v.name} [${v.defaultText}]`);
    lines.push(...wrap(v.description ?? '', width, '      '));
  }
  if (service.shared.length) {
    const shared = service.shared.map((g) => `${g.title} (${Object.keys(g.shape).join(', ')})`).join('; ');
    lines.push(...wrap(`Also: ${shared}.`, width, '  ', '    '));
  }
  return lines.join('\n');
}
