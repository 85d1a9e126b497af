"""Every error the emulator can answer with, in one place.

The reference documents no tunnel-specific error codes (only 7003).  Where the
reference is silent the codes below are the emulator's choice; the table in
docs/developing.md lists them for client authors.
"""


class ApiError(Exception):
    """An error answered to an API client as a Cloudflare failure envelope."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self):
        return failure_body([(self.code, self.message)])


def failure_body(errors):
    return {
        "success": False,
        "errors": [{"code": code, "message": message} for code, message in errors],
        "messages": [],
        "result": None,
    }


# -- authentication / authorisation -------------------------------------------------

def missing_auth():
    return ApiError(401, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers")


def invalid_token():
    return ApiError(401, 1000, "Invalid API Token")


def bad_email_key():
    return ApiError(403, 9103, "Unknown X-Auth-Key or X-Auth-Email")


def forbidden():
    return ApiError(403, 10000, "Authentication error")


def bearer_only():
    # token verify endpoints: an email+key pair is not a token
    return ApiError(400, 1001, "Invalid request: this endpoint accepts only an API token (Authorization: Bearer)")


# -- generic --------------------------------------------------------------------------

def bad_request(detail):
    return ApiError(400, 1001, "Invalid request: %s" % detail)


def no_route(path=None):
    if path:
        return ApiError(404, 7003, "Could not route to %s, perhaps your object identifier is invalid?" % path)
    return ApiError(404, 7003, "No route for the URI")


# -- tunnels --------------------------------------------------------------------------

def duplicate_tunnel():
    return ApiError(409, 1013, "You already have a tunnel with this name")


def tunnel_not_found(tunnel_id):
    return ApiError(404, 1003, "Tunnel not found: %s" % tunnel_id)


def connector_not_found(connector_id):
    return ApiError(404, 1004, "Connector not found: %s" % connector_id)


def bad_secret():
    return ApiError(400, 1008, "tunnel_secret must be base64 of at least 32 bytes")


def account_limit(code, limit, what):
    # the limits are documented (Cloudflare One, "Account limits"); codes and wording are ours
    return ApiError(400, code, "Account limit reached: this account may have at most %d live %s" % (limit, what))


def tunnel_deleted(tunnel_id):
    return ApiError(400, 1014, "Tunnel %s is deleted" % tunnel_id)


def active_connections():
    return ApiError(400, 1022, "Cannot delete tunnel with active connections; clean up connections first")


def local_config():
    return ApiError(400, 1055, "Tunnel is locally configured (config_src local)")


def bad_config(detail):
    return ApiError(400, 1056, "Invalid tunnel configuration: %s" % detail)


def not_highly_available(tunnel_id):
    return ApiError(400, 1057, "WARP connector %s is not configured for high availability (ha_mode disabled)" % tunnel_id)


def connector_offline(connector_id):
    return ApiError(400, 1058, "Connector %s is offline and cannot become the active one" % connector_id)


def bad_connector_token():
    return ApiError(401, 1000, "Invalid tunnel token")


# -- teamnet --------------------------------------------------------------------------

def route_not_found(route_id):
    return ApiError(404, 1040, "Route not found: %s" % route_id)


def route_gone(route_id):
    # the code the API answers for a route removed with its tunnel (reference §6.9)
    return ApiError(404, 1015, "Route %s is not routed any more: it was deleted" % route_id)


def duplicate_route():
    return ApiError(409, 1041, "A route for this network already exists in this virtual network")


def tunnel_has_routes(count):
    # the 2023 behaviour of tunnel deletion (reference §6.9)
    return ApiError(400, 1023, "Cannot delete a tunnel that still has %d route(s); delete its routes first" % count)


def duplicate_hostname_route(hostname):
    return ApiError(409, 1043, "A hostname route for %s already exists" % hostname)


def hostname_route_not_found(route_id):
    return ApiError(404, 1044, "Hostname route not found: %s" % route_id)


def vnet_not_found(vnet_id):
    return ApiError(404, 1050, "Virtual network not found: %s" % vnet_id)


def duplicate_vnet():
    return ApiError(409, 1051, "A virtual network with this name already exists")


def vnet_in_use(route_ids):
    return ApiError(400, 1052, "Virtual network is used by %d live route(s) (%s); delete them first or pass force=true"
                    % (len(route_ids), ", ".join(route_ids)))


def vnet_is_default():
    return ApiError(400, 1053, "The default virtual network cannot be deleted; make another one the default first")


def vnet_gone(vnet_id):
    return ApiError(404, 1054, "Virtual network %s is deleted" % vnet_id)


# -- Access (reference: cloudflare-access-api.md §7) -----------------------------------
# Access errors carry the slug `access.api.error.<slug>` in the message. 11010, 11021, 12130 and
# 12139 were reported from live answers; the other codes are this emulator's choice.

def access_invalid(detail):
    return ApiError(400, 12130, "access.api.error.invalid_request: %s" % detail)


def access_app_not_found(app_id):
    return ApiError(404, 11021, "access.api.error.unknown_application: %s" % app_id)


def access_app_exists(domain):
    return ApiError(409, 11010, "access.api.error.application_already_exists: an application already protects %s" % domain)


def access_policy_not_found(policy_id):
    return ApiError(404, 12113, "access.api.error.policy_not_found: %s" % policy_id)


def access_policy_in_use(count):
    return ApiError(409, 12114, "access.api.error.policy_in_use: the policy is used by %d application(s); "
                                "remove it from them first" % count)


def access_token_not_found(token_id):
    return ApiError(404, 12138, "access.api.error.service_token_not_found: %s" % token_id)


def access_token_in_use():
    return ApiError(400, 12139, "access.api.error.service_token_in_use")


def access_idp_not_found(idp_id):
    return ApiError(404, 12140, "access.api.error.identity_provider_not_found: %s" % idp_id)


def access_not_enabled():
    return ApiError(404, 12100, "access.api.error.not_found: no Zero Trust organization exists for this account")


# -- zones / DNS ----------------------------------------------------------------------

def record_not_found():
    return ApiError(404, 81044, "Record does not exist.")


def cname_conflict():
    return ApiError(400, 81053, "An A, AAAA, or CNAME record with that host already exists.")


def identical_record():
    return ApiError(400, 81058, "An identical record already exists.")


def bad_record(detail):
    return ApiError(400, 9000, "DNS record invalid: %s" % detail)


def not_proxiable():
    return ApiError(400, 9004, "This record type cannot be proxied.")


def bad_ttl():
    return ApiError(400, 9021, "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.")


def zone_name_taken():
    return ApiError(400, 1061, "There is another zone with the name you provided")


# -- the request budget (ratelimit.py) -------------------------------------------------

def rate_limit_exceeded():
    # the live API's code and message (as clients report them, e.g. cloudflare/workers-sdk#10025)
    return ApiError(429, 971, "Please wait and consider throttling your request speed")


# -- injected faults ------------------------------------------------------------------

def rate_limited(retry_after):
    # the 429 fault answers as the live budget does (without its Ratelimit headers)
    err = rate_limit_exceeded()
    err.headers["Retry-After"] = retry_after
    return err


def unavailable(status):
    return ApiError(status, 10001, "Service unavailable")


def echoed_request(raw, as_json, url_encoded):
    return ApiError(400, 1001, "Invalid request: %s (as JSON: %s) (URL-encoded: %s)" % (raw, as_json, url_encoded))
