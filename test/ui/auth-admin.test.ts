/**
 * Browser tests of the administration pages with access control on: users, groups (members and
 * grants), the Permissions tab of experiments and models (a grant takes effect for another user),
 * and the audit log listing the writes just made, paged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BACKENDS } from '../helpers/backends.js';
import { basic, call as authCall } from '../auth/helpers.js';
import { eventually } from '../helpers/eventually.js';
import { screenshotViews } from './helpers.js';
import { ADMIN, PASSWORD, signIn, startAuthUi, type AuthUi } from './auth-fixtures.js';

interface Grant {
  username?: string;
  group_name?: string;
  permission: string;
}

for (const backend of BACKENDS) {
  describe(`UI: administration pages with --auth (${backend})`, () => {
    let ctx: AuthUi;
    let exp: string;
    const grantsOn = async (path: string, id: Record<string, string>): Promise<Grant[]> =>
      ((await ctx.ok(ADMIN.username, 'GET', `${path}/permissions/list`, id)).json.permissions as Grant[]) ??
      [];

    before(async () => {
      ctx = await startAuthUi(backend);
      for (const username of ['dana', 'erin', 'gone'])
        await ctx.ok(ADMIN.username, 'POST', 'users/create', { username, password: PASSWORD });
      exp = String(
        (await ctx.ok(ADMIN.username, 'POST', 'experiments/create', { name: 'team-exp' })).json.experiment_id,
      );
      await ctx.ok(ADMIN.username, 'POST', 'registered-models/create', { name: 'ranker' });
    });

    after(() => ctx.stop());

    test('users page: create, make admin, reset password, delete', async () => {
      const page = await signIn(ctx, ADMIN.username, '/admin/users');
      await page.locator('[data-testid=user-row][data-username=dana]').waitFor();
      await page.fill('[data-testid=new-username]', 'frank');
      await page.fill('[data-testid=new-password]', PASSWORD);
      await page.click('[data-testid=user-create]');
      const frank = page.locator('[data-testid=user-row][data-username=frank]');
      await frank.waitFor();
      assert.equal((await ctx.ok('frank', 'GET', 'users/current')).json.user && 200, 200);

      await frank.locator('[data-testid=user-admin-toggle]:has-text("Make admin")').click();
      await eventually(async () =>
        assert.equal(
          (
            (await ctx.ok(ADMIN.username, 'GET', 'users/get', { username: 'frank' })).json.user as {
              is_admin: boolean;
            }
          ).is_admin,
          true,
        ),
      );
      await frank.locator('[data-testid=user-admin-toggle]:has-text("Remove admin")').click();
      await eventually(async () =>
        assert.equal(
          (
            (await ctx.ok(ADMIN.username, 'GET', 'users/get', { username: 'frank' })).json.user as {
              is_admin: boolean;
            }
          ).is_admin,
          false,
        ),
      );

      await frank.locator('[data-testid=user-reset-password]').click();
      await page.fill('[data-testid=reset-password-input]', 'a-new-password-456');
      await page.click('[data-testid=password-dialog] button[type=submit]');
      await page.locator('[data-testid=password-dialog]').waitFor({ state: 'detached' });
      assert.equal((await authCall(ctx.base, basic('frank', PASSWORD), 'GET', 'users/current')).status, 401);
      assert.equal(
        (await authCall(ctx.base, basic('frank', 'a-new-password-456'), 'GET', 'users/current')).status,
        200,
      );

      // The signed-in admin cannot delete themselves from here.
      const me = page.locator(
        `[data-testid=user-row][data-username=${ADMIN.username}] [data-testid=user-delete]`,
      );
      assert.equal(await me.isDisabled(), true);
      assert.equal(await me.getAttribute('title'), 'You cannot delete your own account.');

      await page.locator('[data-testid=user-row][data-username=gone] [data-testid=user-delete]').click();
      await page.click('.modal button:has-text("Delete user")');
      await page.locator('[data-testid=user-row][data-username=gone]').waitFor({ state: 'detached' });
      assert.equal((await ctx.as(ADMIN.username, 'GET', 'users/get', { username: 'gone' })).status, 404);
      await screenshotViews(page, 'auth-admin-users');
      await page.context().close();
    });

    test('groups page: create, members, grants; a member gets the group grant', async () => {
      // Without a grant, erin (default READ) may not rename the experiment.
      const rename = { experiment_id: exp, new_name: 'team-exp' };
      assert.equal((await ctx.as('erin', 'POST', 'experiments/update', rename)).status, 403);

      const page = await signIn(ctx, ADMIN.username, '/admin/groups');
      await page.fill('[data-testid=new-group]', 'ml-team');
      await page.click('[data-testid=group-create]');
      const detail = page.locator('[data-testid=group-detail][data-group=ml-team]');
      await detail.waitFor();
      await page.selectOption('[data-testid=member-select]', 'erin');
      await page.click('[data-testid=member-add]');
      await detail.locator('[data-testid=member-row][data-username=erin]').waitFor();
      await page.selectOption('[data-testid=grant-kind]', 'experiment');
      await page.fill('[data-testid=grant-resource]', exp);
      await page.selectOption('[data-testid=grant-permission]', 'EDIT');
      await page.click('[data-testid=grant-add]');
      const grantRow = detail.locator(`[data-testid=group-grant-row][data-resource="experiment:${exp}"]`);
      await grantRow.waitFor();
      await page.locator('[data-testid=group-row][data-group=ml-team]:has-text("1 member")').waitFor();

      const group = (await ctx.ok(ADMIN.username, 'GET', 'groups/get', { name: 'ml-team' })).json.group as {
        members: string[];
        permissions: { resource_kind: string; resource_id: string; permission: string }[];
      };
      assert.deepEqual(group.members, ['erin']);
      assert.deepEqual(group.permissions, [
        { resource_kind: 'experiment', resource_id: exp, permission: 'EDIT' },
      ]);
      assert.equal((await ctx.as('erin', 'POST', 'experiments/update', rename)).status, 200);

      // Changing the grant to READ takes EDIT away again.
      await grantRow.locator('[data-testid=group-grant-permission]').selectOption('READ');
      await eventually(async () =>
        assert.equal((await ctx.as('erin', 'POST', 'experiments/update', rename)).status, 403),
      );
      await screenshotViews(page, 'auth-admin-groups');

      // Removing the member and then the group.
      await detail
        .locator('[data-testid=member-row][data-username=erin] [data-testid=member-remove]')
        .click();
      await detail.locator('[data-testid=member-row]').waitFor({ state: 'detached' });
      await page.click('[data-testid=group-delete]');
      await page.click('.modal button:has-text("Delete group")');
      await page.locator('[data-testid=group-row][data-group=ml-team]').waitFor({ state: 'detached' });
      assert.equal((await ctx.as(ADMIN.username, 'GET', 'groups/get', { name: 'ml-team' })).status, 404);
      await page.context().close();
    });

    test('Permissions tab: a grant given in the UI takes effect for a second user', async () => {
      // dana (default READ) sees the model's rename disabled and cannot update it.
      const dana = await signIn(ctx, 'dana', '/models/ranker');
      await eventually(async () =>
        assert.equal(await dana.locator('[data-testid=rename-model]').isDisabled(), true),
      );
      const describe = { name: 'ranker', description: 'by dana' };
      assert.equal((await ctx.as('dana', 'PATCH', 'registered-models/update', describe)).status, 403);

      const admin = await signIn(ctx, ADMIN.username, '/models/ranker');
      await admin.click('[data-testid=permissions-tab]');
      await admin.waitForURL((u) => u.pathname === '/models/ranker/permissions');
      await admin.locator('[data-testid=grants-table]').waitFor();
      await admin.fill('[data-testid=grant-subject]', 'dana');
      await admin.selectOption('[data-testid=grant-new-permission]', 'EDIT');
      await admin.click('[data-testid=grant-submit]');
      const row = admin.locator('[data-testid=grant-row][data-subject="user:dana"]');
      await row.waitFor();
      assert.equal(
        (await grantsOn('registered-models', { name: 'ranker' })).find((g) => g.username === 'dana')
          ?.permission,
        'EDIT',
      );
      await screenshotViews(admin, 'auth-permissions-model');

      // dana's page now allows renaming (EDIT), still not deleting (MANAGE); her update works.
      await dana.reload();
      await eventually(async () =>
        assert.equal(await dana.locator('[data-testid=rename-model]').isEnabled(), true),
      );
      await eventually(async () =>
        assert.equal(
          await dana.getAttribute('[data-testid=delete-model]', 'title'),
          'You have EDIT on this model; MANAGE is needed.',
        ),
      );
      assert.equal((await ctx.as('dana', 'PATCH', 'registered-models/update', describe)).status, 200);

      // While her permission is being asked (held here), the buttons wait for it instead of
      // offering what the server may refuse.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await dana.route('**/permissions/current**', async (route) => {
        await held;
        await route.continue();
      });
      await dana.reload();
      await eventually(async () =>
        assert.equal(
          await dana.getAttribute('[data-testid=delete-model]', 'title'),
          'Checking your permission…',
        ),
      );
      assert.equal(await dana.locator('[data-testid=rename-model]').isDisabled(), true);
      release();
      await eventually(async () =>
        assert.equal(
          await dana.getAttribute('[data-testid=delete-model]', 'title'),
          'You have EDIT on this model; MANAGE is needed.',
        ),
      );
      assert.equal(await dana.locator('[data-testid=rename-model]').isEnabled(), true);
      await dana.unroute('**/permissions/current**');

      // Raising her to MANAGE shows her the Permissions tab; removing the grant takes it away.
      await row.locator('[data-testid=grant-row-permission]').selectOption('MANAGE');
      await eventually(async () =>
        assert.equal(
          (await grantsOn('registered-models', { name: 'ranker' })).find((g) => g.username === 'dana')
            ?.permission,
          'MANAGE',
        ),
      );
      await dana.reload();
      await dana.locator('[data-testid=permissions-tab]').waitFor();
      await row.locator('[data-testid=grant-row-remove]').click();
      await row.waitFor({ state: 'detached' });
      assert.equal(
        (await grantsOn('registered-models', { name: 'ranker' })).find((g) => g.username === 'dana'),
        undefined,
      );
      assert.equal((await ctx.as('dana', 'PATCH', 'registered-models/update', describe)).status, 403);

      // The experiment's tab: a group grant listed and added from the UI.
      await ctx.ok(ADMIN.username, 'POST', 'groups/create', { name: 'readers' });
      await admin.goto(`${ctx.base}/experiments/${exp}`);
      await admin.click('[data-testid=permissions-tab]');
      await admin.waitForURL((u) => u.pathname === `/experiments/${exp}/permissions`);
      await admin.locator('[data-testid=grants-table]').waitFor();
      await admin.selectOption('[data-testid=grant-subject-kind]', 'group');
      await admin.fill('[data-testid=grant-subject]', 'readers');
      await admin.selectOption('[data-testid=grant-new-permission]', 'USE');
      await admin.click('[data-testid=grant-submit]');
      await admin.locator('[data-testid=grant-row][data-subject="group:readers"]').waitFor();
      assert.deepEqual(
        (await grantsOn('experiments', { experiment_id: exp })).filter((g) => g.group_name === 'readers'),
        [{ experiment_id: exp, group_name: 'readers', permission: 'USE' }],
      );
      // A user unknown to the server is refused with the server's message.
      await admin.fill('[data-testid=grant-subject]', 'nobody-here');
      await admin.selectOption('[data-testid=grant-subject-kind]', 'user');
      await admin.click('[data-testid=grant-submit]');
      await admin.locator('[data-testid=grants-error]').waitFor();
      await screenshotViews(admin, 'auth-permissions-experiment');
      await dana.context().close();
      await admin.context().close();
    });

    test('audit page lists the writes just made, filtered and paged', async () => {
      // 60 writes by one user: two pages of 50 and 10.
      await ctx.ok(ADMIN.username, 'POST', 'users/create', { username: 'busy', password: PASSWORD });
      await ctx.ok(ADMIN.username, 'POST', 'experiments/permissions/create', {
        experiment_id: exp,
        username: 'busy',
        permission: 'EDIT',
      });
      for (let i = 0; i < 60; i++)
        await ctx.ok('busy', 'POST', 'experiments/set-experiment-tag', {
          experiment_id: exp,
          key: `k${i}`,
          value: 'v',
        });
      // One refused write is recorded too.
      assert.equal(
        (await ctx.as('busy', 'DELETE', 'registered-models/delete', { name: 'ranker' })).status,
        403,
      );

      const page = await signIn(ctx, ADMIN.username, '/admin/audit');
      await page.fill('[data-testid=audit-user]', 'busy');
      await page.click('[data-testid=audit-apply]');
      await page.waitForURL((u) => u.searchParams.get('user') === 'busy');
      const rows = page.locator('[data-testid=audit-row]');
      // The unfiltered list may still be shown when the address changes: wait for busy's rows.
      await eventually(async () => {
        const texts = await rows.allTextContents();
        assert.equal(texts.length, 50);
        assert.ok(
          texts.every((t) => t.includes('busy')),
          texts.join('\n'),
        );
      });
      const first = await rows.allTextContents();
      assert.match(first[0]!, /DELETE registered-models\/delete/);
      assert.equal(await rows.first().getAttribute('data-status'), '403');
      assert.match(first[1]!, new RegExp(`POST experiments/set-experiment-tag.*experiment ${exp}`));
      await screenshotViews(page, 'auth-admin-audit');

      await page.click('[data-testid=audit-next]');
      await eventually(async () => assert.equal(await rows.count(), 11));
      assert.equal(await page.textContent('[data-testid=audit-page-number]'), 'Page 2');
      assert.equal(await page.locator('[data-testid=audit-next]').isDisabled(), true);
      await page.click('[data-testid=audit-prev]');
      await eventually(async () => assert.equal(await rows.count(), 50));

      // By resource: the model's refused delete only.
      await page.fill('[data-testid=audit-user]', '');
      await page.selectOption('[data-testid=audit-kind]', 'registered_model');
      await page.fill('[data-testid=audit-resource]', 'ranker');
      await page.click('[data-testid=audit-apply]');
      await eventually(async () => {
        const texts = await rows.allTextContents();
        assert.ok(texts.length > 0, 'no rows');
        assert.ok(
          texts.every((t) => t.includes('ranker')),
          texts.join('\n'),
        );
        assert.ok(
          texts.some((t) => t.includes('busy') && t.includes('registered-models/delete')),
          texts.join('\n'),
        );
      });
      // A time range in the future matches nothing.
      await page.fill('[data-testid=audit-from]', '2099-01-01T00:00');
      await page.click('[data-testid=audit-apply]');
      await page.locator('text=No matching records').waitFor();
      await page.context().close();
    });
  });
}
