"""Who may do what in the admin API: the one table of roles, scopes and permissions.

A caller is either a user with a role in an org (through a session) or an API key of one org
(with scopes). Both are turned into a set of ``Permission``s for that org, and every endpoint
names the one permission it needs. A key never acts outside its own org, whatever ``orgId`` a
request names; a user acts only in orgs they belong to. Anywhere else the answer is 404, so
that a stranger learns nothing about what exists.

=========================  =====  =====  =========  ======  ================================
permission                 OWNER  ADMIN  DEVELOPER  VIEWER  API key scope
=========================  =====  =====  =========  ======  ================================
org.read                   yes    yes    yes        yes     every key of the org
org.update                 yes    yes                       admin
org.delete                 yes                              (no key)
members.read               yes    yes                       admin
members.manage             yes    yes                       admin (never touches OWNERs)
members.ownership          yes                              (no key)
keys.manage                yes    yes                       keys:manage
keys.manage_own            yes    yes    yes                keys:manage
policies.read              yes    yes                       policy:publish
policies.write             yes    yes                       policy:publish
decisions.read             yes    yes    yes        yes     decisions:read
ingest.write               yes    yes                       ingest:write
usage.read                 yes    yes    yes        yes     usage:read
budgets.read               yes    yes    yes        yes     usage:read, budgets:manage
budgets.manage             yes    yes                       budgets:manage
audit.read                 yes    yes                       audit:read
signing.manage             yes    yes                       admin
=========================  =====  =====  =========  ======  ================================

``admin`` grants every permission a key can hold. ``keys.manage_own`` lets a DEVELOPER create,
list, change and delete only their own keys, and only with ``DEVELOPER_KEY_SCOPES``; a key
with ``keys:manage`` grants at most the scopes it holds itself.
"""

from __future__ import annotations

from enum import StrEnum

from core.scopes import Scope


class Role(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    DEVELOPER = "DEVELOPER"
    VIEWER = "VIEWER"


class Permission(StrEnum):
    ORG_READ = "org.read"
    ORG_UPDATE = "org.update"
    ORG_DELETE = "org.delete"
    MEMBERS_READ = "members.read"
    MEMBERS_MANAGE = "members.manage"
    MEMBERS_OWNERSHIP = "members.ownership"
    KEYS_MANAGE = "keys.manage"
    KEYS_MANAGE_OWN = "keys.manage_own"
    POLICIES_READ = "policies.read"
    POLICIES_WRITE = "policies.write"
    DECISIONS_READ = "decisions.read"
    INGEST_WRITE = "ingest.write"
    USAGE_READ = "usage.read"
    BUDGETS_READ = "budgets.read"
    BUDGETS_MANAGE = "budgets.manage"
    AUDIT_READ = "audit.read"
    SIGNING_MANAGE = "signing.manage"


P = Permission
_READ_ONLY = frozenset({P.ORG_READ, P.DECISIONS_READ, P.USAGE_READ, P.BUDGETS_READ})
_OWNER_ONLY = frozenset({P.ORG_DELETE, P.MEMBERS_OWNERSHIP})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(Permission) - _OWNER_ONLY,
    Role.DEVELOPER: _READ_ONLY | {P.KEYS_MANAGE_OWN},
    Role.VIEWER: _READ_ONLY,
}

SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.PRECHECK_INVOKE: frozenset(),
    Scope.INGEST_WRITE: frozenset({P.INGEST_WRITE}),
    Scope.POLICY_PUBLISH: frozenset({P.POLICIES_READ, P.POLICIES_WRITE}),
    Scope.DECISIONS_READ: frozenset({P.DECISIONS_READ}),
    Scope.USAGE_READ: frozenset({P.USAGE_READ, P.BUDGETS_READ}),
    Scope.AUDIT_READ: frozenset({P.AUDIT_READ}),
    Scope.KEYS_MANAGE: frozenset({P.KEYS_MANAGE, P.KEYS_MANAGE_OWN}),
    Scope.BUDGETS_MANAGE: frozenset({P.BUDGETS_READ, P.BUDGETS_MANAGE}),
    Scope.ADMIN: frozenset(Permission) - _OWNER_ONLY,
}
EVERY_KEY = frozenset({P.ORG_READ})

# What a DEVELOPER may put on the keys they create for themselves.
DEVELOPER_KEY_SCOPES = frozenset({Scope.PRECHECK_INVOKE.value, Scope.INGEST_WRITE.value})


def role_permissions(role: str) -> frozenset[Permission]:
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def scope_permissions(scopes: frozenset[str]) -> frozenset[Permission]:
    granted = set(EVERY_KEY)
    for scope in scopes:
        try:
            granted |= SCOPE_PERMISSIONS[Scope(scope)]
        except ValueError:
            continue  # a scope this version does not know grants nothing
    return frozenset(granted)


def grantable_scopes(scopes: frozenset[str]) -> frozenset[str]:
    """The scopes a key holding ``scopes`` may put on a new key: its own (``admin``: all)."""
    if Scope.ADMIN.value in scopes:
        return frozenset(scope.value for scope in Scope)
    return frozenset(scopes)
