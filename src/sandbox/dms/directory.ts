/** DMS directory actions: databases (SearchDatabase) and users (ListUsers). */
import { checkTid, type Params, pageOf } from './params.js';
import type { DmsAction, DmsState } from './state.js';

/** SearchDatabase: by name, schema or id, environment and engine. */
function searchDatabase(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const key = (params.optional('Q', 'SearchKey') ?? '').toLowerCase();
  const envType = params.optional('Q', 'EnvType');
  const dbType = params.optional('Q', 'DbType');
  const matches = [...state.databases.values()].filter(
    (db) =>
      (key === '' ||
        db.SearchName.toLowerCase().includes(key) ||
        db.SchemaName.toLowerCase().includes(key) ||
        db.DatabaseId.toLowerCase().includes(key)) &&
      (!envType || db.EnvType === envType) &&
      (!dbType || db.DbType.toLowerCase() === dbType.toLowerCase()),
  );
  return {
    TotalCount: matches.length,
    SearchDatabaseList: { SearchDatabase: pageOf(matches, params).map((db) => ({ ...db })) },
  };
}
/** ListUsers: by id, nickname or email; in sandbox mode an unknown email gets an account. */
function listUsers(state: DmsState, params: Params): Record<string, unknown> {
  checkTid(params);
  const key = (params.optional('Q', 'SearchKey') ?? '').toLowerCase();
  if (
    state.autoUsers &&
    /^[^@\s]+@[^@\s]+$/.test(key) &&
    ![...state.users.values()].some((u) => u.Email?.toLowerCase() === key)
  ) {
    const id = String(300000 + state.users.size + 1);
    state.addUser({ UserId: id, NickName: key.split('@')[0]!, Email: key });
  }
  const matches = [...state.users.values()].filter((u) => {
    if (key === '') return true;
    return [u.UserId, u.Uid, u.NickName, u.Email ?? ''].some((field) => field.toLowerCase().includes(key));
  });
  return {
    TotalCount: matches.length,
    UserList: { User: pageOf(matches, params).map((u) => ({ ...u, State: 'NORMAL' })) },
  };
}
/** The directory actions, by action name. */
export const DIRECTORY_ACTIONS: Readonly<Record<string, DmsAction>> = {
  SearchDatabase: searchDatabase,
  ListUsers: listUsers,
};
