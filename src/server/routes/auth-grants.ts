/**
 * Grants on experiments and registered models (MLflow's `experiments/permissions/*` and
 * `registered-models/permissions/*`, same shapes, for a `username`; Cairn also accepts a
 * `group_name` and lists all grants on a resource) and Cairn's groups API.
 */
import { invalidParam, notFound } from '../../errors.js';
import { parsePermission } from '../../auth/permissions.js';
import type { GrantRecord, ResourceKind, SubjectKind } from '../../store/auth-store.js';
import { optText, reqString, reqText } from '../decode.js';
import { endpoint, type ApiCall, type Endpoint, type Fields } from '../endpoint.js';
import { authOf } from './auth-users.js';

interface Subject {
  kind: SubjectKind;
  name: string;
}

function subjectOf(fields: Fields): Subject {
  const username = optText(fields, 'username');
  const group = optText(fields, 'group_name');
  if (username && group) throw invalidParam("Give either 'username' or 'group_name', not both.");
  if (group) return { kind: 'group', name: group };
  if (username) return { kind: 'user', name: username };
  throw invalidParam("Missing value for required parameter 'username'.");
}

interface ResourceApi {
  prefix: string;
  kind: ResourceKind;
  /** Request field naming the resource, also the key of the answer's resource id. */
  field: 'experiment_id' | 'name';
  wrapper: 'experiment_permission' | 'registered_model_permission';
  /** Checks the resource exists (a grant on nothing is a mistake). */
  exists(call: ApiCall, id: string): Promise<unknown>;
}

async function wireGrant(call: ApiCall, api: ResourceApi, g: GrantRecord): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { [api.field]: g.resourceId, permission: g.permission };
  if (g.subjectKind === 'user') {
    const user = await authOf(call).store.getUser(g.subject);
    out.user_id = user?.id;
    out.username = g.subject;
  } else {
    out.group_name = g.subject;
  }
  return out;
}

function grantEndpoints(api: ResourceApi): Endpoint[] {
  const read = (call: ApiCall) => ({
    id: reqString(call.fields, api.field),
    subject: subjectOf(call.fields),
  });
  const record = (call: ApiCall): GrantRecord => {
    const { id, subject } = read(call);
    return {
      resourceKind: api.kind,
      resourceId: id,
      subjectKind: subject.kind,
      subject: subject.name,
      permission: parsePermission(reqText(call.fields, 'permission')),
    };
  };
  return [
    endpoint('POST', `${api.prefix}/permissions/create`, async (call) => {
      const auth = authOf(call);
      const grant = record(call);
      await api.exists(call, grant.resourceId);
      await auth.store.createGrant(grant);
      auth.access.invalidate();
      return { [api.wrapper]: await wireGrant(call, api, grant) };
    }),
    endpoint('GET', `${api.prefix}/permissions/get`, async (call) => {
      const { id, subject } = read(call);
      const grant = await authOf(call).store.getGrant(api.kind, id, subject.kind, subject.name);
      if (!grant)
        throw notFound(`No permission on ${api.kind} '${id}' for ${subject.kind} '${subject.name}'.`);
      return { [api.wrapper]: await wireGrant(call, api, grant) };
    }),
    endpoint('PATCH', `${api.prefix}/permissions/update`, async (call) => {
      const auth = authOf(call);
      await auth.store.updateGrant(record(call));
      auth.access.invalidate();
      return {};
    }),
    endpoint('DELETE', `${api.prefix}/permissions/delete`, async (call) => {
      const auth = authOf(call);
      const { id, subject } = read(call);
      await auth.store.deleteGrant(api.kind, id, subject.kind, subject.name);
      auth.access.invalidate();
      return {};
    }),
    // The caller's own effective permission (own grant, groups, default, admin), so the web UI
    // can disable what the caller may not do instead of guessing.
    endpoint('GET', `${api.prefix}/permissions/current`, async (call) => {
      const auth = authOf(call);
      const id = reqString(call.fields, api.field);
      await api.exists(call, id);
      const permission = await auth.access.permission(call.request.cairn.principal!, api.kind, id);
      return { [api.field]: id, permission };
    }),
    endpoint('GET', `${api.prefix}/permissions/list`, async (call) => {
      const grants = await authOf(call).store.grantsOn(api.kind, reqString(call.fields, api.field));
      const wire = await Promise.all(grants.map((g) => wireGrant(call, api, g)));
      return wire.length ? { permissions: wire } : {};
    }),
  ];
}

const experimentGrants = grantEndpoints({
  prefix: 'experiments',
  kind: 'experiment',
  field: 'experiment_id',
  wrapper: 'experiment_permission',
  exists: (call, id) => call.ctx.tracking.getExperiment(id),
});

const modelGrants = grantEndpoints({
  prefix: 'registered-models',
  kind: 'registered_model',
  field: 'name',
  wrapper: 'registered_model_permission',
  exists: (call, name) => call.ctx.registry.getRegisteredModel(name),
});

const wireGroup = (g: { id: number; name: string; members: string[] }) => ({
  id: g.id,
  name: g.name,
  members: g.members,
});

const groupEndpoints: Endpoint[] = [
  endpoint('POST', 'groups/create', async (call) => {
    const name = reqText(call.fields, 'name');
    if (name.length > 256) throw invalidParam('Group name must be at most 256 characters.');
    return { group: wireGroup(await authOf(call).store.createGroup(name)) };
  }),
  endpoint('GET', 'groups/get', async (call) => {
    const auth = authOf(call);
    const name = reqText(call.fields, 'name');
    const group = await auth.store.getGroup(name);
    if (!group) throw notFound(`Group with name=${name} not found`);
    const grants = (await auth.store.grantsFor(-1, [name])).map((g) => ({
      resource_kind: g.resourceKind,
      resource_id: g.resourceId,
      permission: g.permission,
    }));
    return { group: { ...wireGroup(group), permissions: grants } };
  }),
  endpoint('GET', 'groups/list', async (call) => {
    const groups = await authOf(call).store.listGroups();
    return groups.length ? { groups: groups.map(wireGroup) } : {};
  }),
  endpoint('DELETE', 'groups/delete', async (call) => {
    const auth = authOf(call);
    await auth.store.deleteGroup(reqText(call.fields, 'name'));
    auth.invalidate();
    return {};
  }),
  endpoint('POST', 'groups/add-member', async (call) => {
    const auth = authOf(call);
    await auth.store.addMember(reqText(call.fields, 'name'), reqText(call.fields, 'username'));
    auth.invalidate();
    return {};
  }),
  endpoint('DELETE', 'groups/remove-member', async (call) => {
    const auth = authOf(call);
    await auth.store.removeMember(reqText(call.fields, 'name'), reqText(call.fields, 'username'));
    auth.invalidate();
    return {};
  }),
];

export const authGrantEndpoints: Endpoint[] = [...experimentGrants, ...modelGrants, ...groupEndpoints];
