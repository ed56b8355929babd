import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  anchorOf,
  catalogueVariables,
  envVariables,
  msText,
  ownVariables,
  renderConfigMarkdown,
  renderEnvHelp,
  type ConfigGroup,
  type ConfigService,
} from '../src/config-docs.ts';
import { envInt, envList } from '../src/env.ts';

const shared: ConfigGroup = {
  title: 'Shared things',
  shape: { SHARED_URL: z.url().default('http://x:1').describe('Where the shared thing is.') },
};
const service: ConfigService = {
  title: 'Demo service',
  commands: ['fraud demo'],
  shape: {
    ...shared.shape,
    DEMO_WAIT_MS: envInt(0, 1_000_000).default(300_000).describe('How long | to wait.'),
    DEMO_LIST: envList.default(['a', 'b']).describe('A list.'),
    DEMO_OPTIONAL: z.string().min(1).describe('Inner description.').optional(),
    DEMO_REQUIRED: z.string().min(16).describe('A secret for <host>.'),
    DEMO_EMPTY: z.string().default(''),
  },
  shared: [shared],
};

describe('configuration rendering', () => {
  it('reads defaults, optionality and descriptions through zod wrappers', () => {
    const byName = Object.fromEntries(envVariables(service.shape).map((v) => [v.name, v]));
    expect(byName.DEMO_WAIT_MS).toEqual({
      name: 'DEMO_WAIT_MS',
      defaultText: '300000 (5 min)',
      description: 'How long | to wait.',
    });
    expect(byName.DEMO_LIST?.defaultText).toBe('a,b');
    expect(byName.DEMO_OPTIONAL).toEqual({
      name: 'DEMO_OPTIONAL',
      defaultText: 'unset',
      description: 'Inner description.',
    });
    expect(byName.DEMO_REQUIRED?.defaultText).toBe('required');
    expect(byName.DEMO_EMPTY).toEqual({ name: 'DEMO_EMPTY', defaultText: "''", description: undefined });
  });

  it("leaves a service's shared groups out of its own variables, and counts every variable once", () => {
    expect(ownVariables(service).map((v) => v.name)).not.toContain('SHARED_URL');
    const names = catalogueVariables({ groups: [shared], services: [service] }).map((v) => v.name);
    expect(names.filter((n) => n === 'SHARED_URL')).toHaveLength(1);
    expect(names).toHaveLength(6);
  });

  it('renders a Markdown table per group and service, escaping what Markdown would eat', () => {
    const md = renderConfigMarkdown({ groups: [shared], services: [service] }, ['# Title']);
    expect(md).toContain('6 variables in all.');
    expect(md).toContain('## Demo service');
    expect(md).toContain('Also reads: [Shared things](#shared-things).');
    expect(md).toContain('| `DEMO_WAIT_MS` | 300000 (5 min) | How long \\| to wait. |');
    expect(md).toContain('A secret for &lt;host>.');
  });

  it('renders the --help section with the defaults, the wrapped descriptions and the shared groups', () => {
    const help = renderEnvHelp(service, 'docs/configuration.md', 40);
    expect(help.split('\n')[0]).toBe(
      `Environment [default] (all of it: docs/configuration.md#${anchorOf('Demo service')}):`,
    );
    expect(help).toContain('  DEMO_WAIT_MS [300000 (5 min)]\n      How long | to wait.');
    expect(help).toContain('Also: Shared things (SHARED_URL).');
    for (const line of help.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('says milliseconds in whole units only', () => {
    expect(msText(86_400_000)).toBe('1 d');
    expect(msText(93_600_000)).toBe('26 h');
    expect(msText(2_000)).toBe('2 s');
    expect(msText(1_500)).toBeUndefined();
    expect(anchorOf('Decision API')).toBe('decision-api');
  });
});
