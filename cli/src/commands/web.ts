import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FraudError, envWith, parseEnv } from '@fraud/common';
import { createUserStore, isRole, openDatabase, MIN_PASSWORD_LENGTH, ROLES, webPackageDir } from '@fraud/web';
import { envCommand, envHelp } from '../config/catalogue.ts';
import { namedEnvValue, usersEnvSchema, webServeEnvSchema } from '../config/env.ts';

/**
 * `fraud web serve`: runs the built console (SvelteKit adapter-node) with the environment.
 * `fraud users add|list`: local console users in the console database (WEB_DB_PATH).
 */
export function register(program: Command): void {
  const web = program.command('web').description('the live console (SvelteKit)');
  web
    .command('serve')
    .description('run the built console server (builds it first when web/build is missing)')
    .option('-p, --port <port>', 'port to listen on (default PORT)')
    .option('--host <host>', 'address to bind (default HOST)')
    .option(
      '--origin <url>',
      'public origin of the console, for CSRF checks (env ORIGIN; default http://<host>:<port>)',
    )
    .option('--build', 'rebuild the console before serving')
    .addHelpText('after', `${envHelp('web')}\nSee docs/console.md.`)
    .action(async (opts: { port?: string; host?: string; origin?: string; build?: boolean }) => {
      const env = parseEnv(webServeEnvSchema);
      const port = opts.port ?? String(env.PORT);
      const host = opts.host ?? env.HOST;
      const dir = webPackageDir();
      const entry = join(dir, 'build', 'index.js');
      if (opts.build || !existsSync(entry)) {
        process.stdout.write('building the console (vite build)...\n');
        await run('npm', ['run', 'build', '-w', '@fraud/web'], { cwd: join(dir, '..'), stopOnSignal: false });
      }
      const origin = opts.origin ?? env.ORIGIN ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
      process.stdout.write(`console: ${origin}\n`);
      // Workspace packages are TypeScript sources loaded in place: tsx registers the loader.
      await run(process.execPath, ['--import', 'tsx', entry], {
        cwd: join(dir, '..'),
        env: envWith({ PORT: port, HOST: host, ORIGIN: origin, WEB_DB_PATH: dbPath(env.WEB_DB_PATH) }),
        stopOnSignal: true,
      });
    });

  const users = envCommand(program, 'users', 'console users (viewer < analyst < admin)', 'users');
  users
    .command('add <name>')
    .description(
      'create a console user (the first admin: fraud users add alice --role admin); password from stdin or ' +
        '--password-env',
    )
    .requiredOption('-r, --role <role>', `one of ${ROLES.join(', ')}`)
    .option('--password-env <var>', 'read the password from this environment variable instead of stdin')
    .option('--replace', 'reset the password and role of an existing user (signs them out)')
    .action(async (name: string, opts: { role: string; passwordEnv?: string; replace?: boolean }) => {
      if (!isRole(opts.role))
        throw new FraudError('BAD_REQUEST', `--role must be one of ${ROLES.join(', ')} (got ${opts.role})`);
      const password = opts.passwordEnv ? envPassword(opts.passwordEnv) : await readStdinPassword();
      const file = dbPath(parseEnv(usersEnvSchema).WEB_DB_PATH);
      const db = await openDatabase(file);
      try {
        const user = await createUserStore(db).add(name.toLowerCase(), opts.role, password, { replace: opts.replace });
        process.stdout.write(`user ${user.name} (${user.role}) ${opts.replace ? 'reset' : 'created'} in ${file}\n`);
      } finally {
        db.close();
      }
    });
  users
    .command('list')
    .description('list console users')
    .action(async () => {
      const db = await openDatabase(dbPath(parseEnv(usersEnvSchema).WEB_DB_PATH));
      try {
        for (const u of await createUserStore(db).list())
          process.stdout.write(
            `${u.name}\t${u.role}\t${new Date(u.createdAt).toISOString()}${u.disabled ? '\tdisabled' : ''}\n`,
          );
      } finally {
        db.close();
      }
    });
}

/** WEB_DB_PATH, made absolute against the repository root so the CLI and the server agree. */
function dbPath(p: string): string {
  return isAbsolute(p) ? p : resolve(join(webPackageDir(), '..'), p);
}

function envPassword(name: string): string {
  const v = namedEnvValue(name);
  if (!v) throw new FraudError('CONFIG_INVALID', `--password-env ${name}: the variable is not set`);
  return v;
}

async function readStdinPassword(): Promise<string> {
  if (process.stdin.isTTY)
    process.stderr.write(
      `password (at least ${MIN_PASSWORD_LENGTH} characters, then Enter; it is echoed, prefer --password-env): `,
    );
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (process.stdin.isTTY && Buffer.concat(chunks).includes(10)) break;
  }
  const text = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (!text)
    throw new FraudError(
      'BAD_REQUEST',
      'no password given: pipe it on stdin (echo "$PW" | fraud users add ...) or use --password-env VAR',
    );
  return text;
}

/**
 * Runs a child to completion. stopOnSignal: a SIGINT/SIGTERM ending is a normal stop (the server), not a failure
 * (a build).
 */
function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; stopOnSignal: boolean },
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? envWith(), stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      if (code === 0 || (opts.stopOnSignal && (signal === 'SIGINT' || signal === 'SIGTERM'))) resolvePromise();
      else reject(new FraudError('INTERNAL', `${cmd} ${args.join(' ')} exited with ${code ?? signal}`));
    });
  });
}
