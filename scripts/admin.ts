// `npm run admin -- <command>`: onboarding without SQL. Accounts, projects, API keys (secret
// and publishable; a key is printed once, only its hash is stored) and agents. Talks to
// DATABASE_URL (default: the embedded PostgreSQL of `npm start`) and, for agent deletion,
// to Temporal at TEMPORAL_ADDRESS.
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { activateAgent, AgentBusyError, deactivateAgent, deleteAgent } from '../src/admin/agents';
import { API_KEY_KINDS, type ApiKeyKind } from '../src/auth/api-keys';
import { createApiKey, KeyRefused, listApiKeys, revokeApiKey } from '../src/auth/key-store';
import { loadConfig } from '../src/config';
import { defaultCallSettings } from '../src/domain/settings';
import { createPrisma, type Db } from '../src/infra/prisma';
import { saveCallSettings } from '../src/store/call-settings';

export const USAGE = `Usage: npm run admin -- <command> [options]

Accounts
  accounts create --name <name>                 a new account (prints its id)
  accounts list
Projects
  projects create --account <id> --id <projectId> --name <name>
                  [--timezone Europe/Paris] [--country FR]... [--origin https://shop.example]...
  projects list [--account <id>]
  projects origins --id <projectId> [--origin <url>]...   replace the allowed web origins
API keys (a key is shown once; only its hash is stored)
  keys create --account <id> --name <label> [--kind secret|publishable] [--project <projectId>]
  keys list --account <id> [--all]              --all: revoked keys too
  keys revoke --id <keyId>                      refused from the next request on
Agents
  agents list --account <id>
  agents delete --id <agentId>                  ends its workflow (refused while on a call)
  agents deactivate --id <agentId>              kept, but logged out and out of service (#14.1)
  agents activate --id <agentId>                can log in again

Options: --json prints JSON. DATABASE_URL defaults to npm start's embedded PostgreSQL.`;

export class UsageError extends Error {}

type Out = (value: unknown, text: string) => void;

const options = {
  name: { type: 'string' },
  account: { type: 'string' },
  id: { type: 'string' },
  timezone: { type: 'string' },
  country: { type: 'string', multiple: true },
  origin: { type: 'string', multiple: true },
  kind: { type: 'string' },
  project: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`--${flag} is required`);
  return value;
}

const table = (rows: Record<string, unknown>[]) =>
  rows.length === 0
    ? '(none)'
    : rows
        .map((row) =>
          Object.values(row)
            .map((v) => v ?? '-')
            .join('\t'),
        )
        .join('\n');

/** Runs one command; `temporal` is opened only by the commands that need it. */
export async function runAdmin(
  argv: string[],
  /** taskQueue: the agent workflows' (an activated agent's starts there); default: the config's. */
  deps: { prisma: Db; temporal: () => Promise<Client>; out: Out; taskQueue?: string },
): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const [group, command] = positionals;
  if (values.help || !group) throw new UsageError('');
  const { prisma, out } = deps;
  const key = `${group} ${command ?? ''}`.trim();

  switch (key) {
    case 'accounts create': {
      const account = await prisma.account.create({ data: { name: required(values.name, 'name') } });
      return out(
        { id: account.id, name: account.name },
        `account ${account.id} (${account.name})\nnext: npm run admin -- keys create --account ${account.id} --name <label>`,
      );
    }
    case 'accounts list': {
      const rows = await prisma.account.findMany({ orderBy: { createdAt: 'asc' }, include: { _count: true } });
      const items = rows.map((a) => ({
        id: a.id,
        name: a.name,
        projects: a._count.projects,
        agents: a._count.agents,
        createdAt: a.createdAt.toISOString(),
      }));
      return out(items, table(items));
    }
    case 'projects create': {
      const accountId = required(values.account, 'account');
      const id = required(values.id, 'id');
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new UsageError('--id: 1 to 64 letters, digits, _ or -');
      if (!(await prisma.account.findUnique({ where: { id: accountId } })))
        throw new UsageError(`no account ${accountId}`);
      const settings = {
        ...defaultCallSettings(),
        ...(values.timezone ? { timezone: values.timezone } : {}),
        ...(values.country ? { countries: values.country } : {}),
      };
      await prisma.project.create({
        data: {
          id,
          accountId,
          name: required(values.name, 'name'),
          timezone: settings.timezone,
          countries: settings.countries,
          allowedOrigins: values.origin ?? [],
        },
      });
      await saveCallSettings(prisma, id, settings);
      return out({ id, accountId }, `project ${id} of account ${accountId} (default call settings)`);
    }
    case 'projects list': {
      const rows = await prisma.project.findMany({
        where: values.account ? { accountId: values.account } : {},
        orderBy: [{ accountId: 'asc' }, { id: 'asc' }],
      });
      const items = rows.map((p) => ({
        id: p.id,
        accountId: p.accountId,
        name: p.name,
        timezone: p.timezone,
        allowedOrigins: p.allowedOrigins.join(','),
      }));
      return out(items, table(items));
    }
    case 'projects origins': {
      const id = required(values.id, 'id');
      const project = await prisma.project.update({
        where: { id },
        data: { allowedOrigins: values.origin ?? [] },
      });
      return out(
        { id, allowedOrigins: project.allowedOrigins },
        `project ${id}: ${project.allowedOrigins.join(', ') || '(no origin)'}`,
      );
    }
    case 'keys create': {
      const kind = (values.kind ?? 'secret') as ApiKeyKind;
      if (!API_KEY_KINDS.includes(kind)) throw new UsageError(`--kind: ${API_KEY_KINDS.join(' or ')}`);
      try {
        const created = await createApiKey(prisma, {
          accountId: required(values.account, 'account'),
          name: required(values.name, 'name'),
          kind,
          projectId: values.project,
        });
        return out(
          created,
          `${created.kind} key ${created.id} (${created.name})\n${created.key}\nshown once: store it now`,
        );
      } catch (err) {
        if (err instanceof KeyRefused) throw new UsageError(err.message);
        throw err;
      }
    }
    case 'keys list': {
      const items = await listApiKeys(prisma, required(values.account, 'account'), {
        includeRevoked: values.all ?? false,
      });
      return out(
        items,
        table(
          items.map(({ id, name, kind, projectId, prefix, createdAt, lastUsedAt, revokedAt }) => ({
            id,
            name,
            kind,
            projectId,
            prefix: `${prefix}…`,
            createdAt,
            lastUsedAt,
            revokedAt,
          })),
        ),
      );
    }
    case 'keys revoke': {
      const id = required(values.id, 'id');
      const row = await prisma.apiKey.findUnique({ where: { id } });
      const revoked = row ? await revokeApiKey(prisma, row.accountId, id) : null;
      if (!revoked) throw new UsageError(`no key ${id}`);
      return out(revoked, `key ${id} revoked at ${revoked.revokedAt}`);
    }
    case 'agents list': {
      const rows = await prisma.agent.findMany({
        where: { accountId: required(values.account, 'account') },
        include: { projects: true, presence: true },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      });
      const items = rows.map((a) => ({
        id: a.id,
        name: a.name,
        kind: a.kind,
        projects: a.projects.map((p) => p.projectId).join(','),
        state: a.presence?.state ?? 'LOGGED_OUT',
        active: a.deactivatedAt === null,
      }));
      return out(items, table(items));
    }
    case 'agents delete': {
      const id = required(values.id, 'id');
      try {
        if (!(await deleteAgent({ prisma, temporal: await deps.temporal() }, id)))
          throw new UsageError(`no agent ${id}`);
      } catch (err) {
        if (err instanceof AgentBusyError) throw new UsageError(err.message);
        throw err;
      }
      return out({ id, deleted: true }, `agent ${id} deleted`);
    }
    case 'agents deactivate':
    case 'agents activate': {
      const id = required(values.id, 'id');
      const lifecycle = {
        prisma,
        temporal: await deps.temporal(),
        taskQueue: deps.taskQueue ?? loadConfig().agentTaskQueue,
      };
      const active = command === 'activate';
      try {
        if (!(await (active ? activateAgent : deactivateAgent)(lifecycle, id))) throw new UsageError(`no agent ${id}`);
      } catch (err) {
        if (err instanceof AgentBusyError) throw new UsageError(err.message);
        throw err;
      }
      return out({ id, active }, `agent ${id} ${active ? 'activated' : 'deactivated'}`);
    }
    default:
      throw new UsageError(`unknown command: ${key}`);
  }
}

async function main(): Promise<number> {
  const config = loadConfig();
  const databaseUrl =
    config.DATABASE_URL ?? `postgresql://postgres:postgres@127.0.0.1:${config.EMBEDDED_POSTGRES_PORT}/callbacks`;
  const prisma = createPrisma(databaseUrl, 2);
  let connection: Connection | undefined;
  const json = process.argv.includes('--json');
  try {
    await runAdmin(process.argv.slice(2), {
      prisma,
      temporal: async () => {
        connection ??= await Connection.connect({ address: config.TEMPORAL_ADDRESS });
        return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
      },
      out: (value, text) => console.log(json ? JSON.stringify(value, null, 2) : text),
      taskQueue: config.agentTaskQueue,
    });
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usage) {
      const { message } = err as Error;
      if (message) console.error(`admin: ${message}`);
      console.error(USAGE);
      return message ? 2 : 0;
    }
    throw err;
  } finally {
    await prisma.$disconnect();
    await connection?.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
