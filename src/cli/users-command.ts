/** `cairn users` and `cairn groups`: manage the accounts of a server running with `--auth`. */
import { Command } from 'commander';
import { openDatabase } from '../store/sql/open-database.js';
import { upgradeSchema } from '../store/sql/migrations.js';
import { SqlAuthStore } from '../store/sql/sql-auth-store.js';
import { hashPassword, validatePassword } from '../auth/passwords.js';
import { trackingSubcommand, type TrackingCliOptions } from './cli-client.js';
import { printJson, printTable } from './output.js';
import { readSecret, withAuthApi, type Json } from './auth-client.js';

type Opts = TrackingCliOptions & Record<string, string | boolean | undefined>;

export function usersCommand(): Command {
  const users = new Command('users').description(
    'Manage users of a server started with --auth (credentials from CAIRN_TRACKING_USERNAME/_PASSWORD or _TOKEN).',
  );
  users
    .command('create-admin')
    .description('Create an administrator directly in the database (works before any admin exists).')
    .argument('<username>', 'the new admin user name')
    .option('--backend-store-uri <uri>', 'the server database (default: sqlite:///mlruns.db)')
    .addHelpText(
      'after',
      `
The password is read from CAIRN_ADMIN_PASSWORD, or from standard input.

Examples:
  $ cairn users create-admin alice --backend-store-uri postgresql://cairn@db/cairn
  $ echo "$ADMIN_PASSWORD" | cairn users create-admin alice`,
    )
    .action(async (username: string, opts: { backendStoreUri?: string }) => {
      const password = await readSecret('Password: ', 'CAIRN_ADMIN_PASSWORD');
      validatePassword(password);
      const db = openDatabase(
        opts.backendStoreUri ?? process.env.CAIRN_BACKEND_STORE_URI ?? 'sqlite:///mlruns.db',
      );
      try {
        await upgradeSchema(db);
        const store = new SqlAuthStore(db);
        const existing = await store.getUser(username);
        if (existing) {
          await store.updatePassword(username, await hashPassword(password));
          await store.updateAdmin(username, true);
          process.stdout.write(`User '${username}' is now an administrator with the new password.\n`);
        } else {
          await store.createUser(username, await hashPassword(password), true);
          process.stdout.write(`Created administrator '${username}'.\n`);
        }
      } finally {
        await db.close();
      }
    });
  trackingSubcommand(users, 'create', 'Create a user (admins only); the password is read from stdin.', [
    'echo "$PASSWORD" | cairn users create bob',
    'CAIRN_NEW_USER_PASSWORD=... cairn users create bob --admin',
  ])
    .argument('<username>')
    .option('--admin', 'make the user an administrator')
    .action(async (username: string, opts: Opts) => {
      const password = await readSecret('Password: ', 'CAIRN_NEW_USER_PASSWORD');
      await withAuthApi(opts, async (call) => {
        await call('POST', 'users/create', { username, password });
        if (opts.admin) await call('PATCH', 'users/update-admin', { username, is_admin: true });
      });
      process.stdout.write(`Created user '${username}'.\n`);
    });
  trackingSubcommand(users, 'list', 'List users (admins only).', 'cairn users list')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const r = await withAuthApi(opts, (call) => call('GET', 'users/list'));
      const rows = (r.users ?? []) as Json[];
      if (opts.json) return printJson(rows);
      printTable(rows, [
        { key: 'username', header: 'Username' },
        { key: 'is_admin', header: 'Admin', format: (u) => (u.is_admin ? 'yes' : '') },
      ]);
    });
  trackingSubcommand(
    users,
    'get',
    'Show a user and their grants (yourself, or anyone as admin).',
    'cairn users get bob',
  )
    .argument('<username>')
    .action(async (username: string, opts: Opts) =>
      printJson((await withAuthApi(opts, (call) => call('GET', 'users/get', { username }))).user),
    );
  trackingSubcommand(users, 'set-password', "Change a password (your own, or anyone's as admin).", [
    'echo "$NEW_PASSWORD" | cairn users set-password bob',
  ])
    .argument('<username>')
    .action(async (username: string, opts: Opts) => {
      const password = await readSecret('New password: ', 'CAIRN_NEW_USER_PASSWORD');
      await withAuthApi(opts, (call) => call('PATCH', 'users/update-password', { username, password }));
      process.stdout.write(`Password of '${username}' changed.\n`);
    });
  trackingSubcommand(users, 'set-admin', 'Grant or remove administrator rights.', [
    'cairn users set-admin bob true',
    'cairn users set-admin bob false',
  ])
    .argument('<username>')
    .argument('<is_admin>', 'true or false')
    .action(async (username: string, isAdmin: string, opts: Opts) => {
      await withAuthApi(opts, (call) =>
        call('PATCH', 'users/update-admin', { username, is_admin: isAdmin === 'true' }),
      );
      process.stdout.write(
        `'${username}' is ${isAdmin === 'true' ? 'now' : 'no longer'} an administrator.\n`,
      );
    });
  trackingSubcommand(users, 'delete', 'Delete a user, their tokens and grants.', 'cairn users delete bob')
    .argument('<username>')
    .action(async (username: string, opts: Opts) => {
      await withAuthApi(opts, (call) => call('DELETE', 'users/delete', { username }));
      process.stdout.write(`Deleted user '${username}'.\n`);
    });
  return users;
}

export function groupsCommand(): Command {
  const groups = new Command('groups').description(
    'Manage groups (admins only): a member gets the highest of their own and their groups’ grants.',
  );
  trackingSubcommand(groups, 'create', 'Create a group.', 'cairn groups create data-science')
    .argument('<name>')
    .action(async (name: string, opts: Opts) => {
      await withAuthApi(opts, (call) => call('POST', 'groups/create', { name }));
      process.stdout.write(`Created group '${name}'.\n`);
    });
  trackingSubcommand(groups, 'list', 'List groups and their members.', 'cairn groups list')
    .option('--json', 'print JSON')
    .action(async (opts: Opts) => {
      const rows = ((await withAuthApi(opts, (call) => call('GET', 'groups/list'))).groups ?? []) as Json[];
      if (opts.json) return printJson(rows);
      printTable(rows, [
        { key: 'name', header: 'Group' },
        { key: 'members', header: 'Members', format: (g) => (g.members as string[]).join(', ') },
      ]);
    });
  trackingSubcommand(groups, 'get', 'Show a group, its members and grants.', 'cairn groups get data-science')
    .argument('<name>')
    .action(async (name: string, opts: Opts) =>
      printJson((await withAuthApi(opts, (call) => call('GET', 'groups/get', { name }))).group),
    );
  trackingSubcommand(
    groups,
    'add-member',
    'Add a user to a group.',
    'cairn groups add-member data-science bob',
  )
    .argument('<name>')
    .argument('<username>')
    .action(async (name: string, username: string, opts: Opts) => {
      await withAuthApi(opts, (call) => call('POST', 'groups/add-member', { name, username }));
      process.stdout.write(`Added '${username}' to '${name}'.\n`);
    });
  trackingSubcommand(
    groups,
    'remove-member',
    'Remove a user from a group.',
    'cairn groups remove-member data-science bob',
  )
    .argument('<name>')
    .argument('<username>')
    .action(async (name: string, username: string, opts: Opts) => {
      await withAuthApi(opts, (call) => call('DELETE', 'groups/remove-member', { name, username }));
      process.stdout.write(`Removed '${username}' from '${name}'.\n`);
    });
  trackingSubcommand(groups, 'delete', 'Delete a group and its grants.', 'cairn groups delete data-science')
    .argument('<name>')
    .action(async (name: string, opts: Opts) => {
      await withAuthApi(opts, (call) => call('DELETE', 'groups/delete', { name }));
      process.stdout.write(`Deleted group '${name}'.\n`);
    });
  return groups;
}
