/** The access-control API, mounted with the rest of the API when the server runs with `--auth`. */
import type { Endpoint } from '../endpoint.js';
import { authGrantEndpoints } from './auth-grants.js';
import { authTokenEndpoints } from './auth-tokens.js';
import { authUserEndpoints } from './auth-users.js';

export const authEndpoints: Endpoint[] = [...authUserEndpoints, ...authGrantEndpoints, ...authTokenEndpoints];
