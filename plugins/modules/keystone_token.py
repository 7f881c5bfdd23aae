#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystone_token
short_description: Test a user's password and get a Keystone token for the tasks after it
version_added: "0.1.0"
description:
  - Asks Keystone for a token with the password of O(auth), scoped as O(auth) says (a
    project, or the system). Tells whether the password works, and returns the token.
  - Every module of this collection takes the token as O(auth.token). Keystone checks a
    token without bcrypt, and checks a password with bcrypt, 0.3 s of processor on the
    machines this was measured on. So one token for the tasks of a role costs one bcrypt
    check, not one per task.
  - A refused password is a result, not a failure, RV(authenticated=false). The
    C(lab.openstack.keystone) role then runs C(keystone-manage bootstrap), which resets it.
  - While Keystone does not take connections yet (its uwsgi starting), the request is
    tried again for 32 s, then the module fails and names the address. So do 5xx answers.
  - Changes nothing. The token expires after Keystone's C([token] expiration) (an hour by
    default).
author:
  - lab.openstack developers (@lab-openstack)
extends_documentation_fragment:
  - lab.openstack.openstack
attributes:
  check_mode:
    support: full
    description: Asks for the token in check mode too. Issuing a token writes nothing in Keystone.
  diff_mode:
    support: none
    description: Changes nothing, so it has nothing to show.
notes:
  - The result holds the token. Set C(no_log) on the task, as for a password.
  - Needs O(auth.auth_url), O(auth.username) and O(auth.password), given or from O(cloud) or
    the C(OS_*) environment. O(auth.token) is refused.
seealso:
  - module: lab.openstack.keystone_user
"""

EXAMPLES = r"""
- name: Check whether the admin can authenticate
  lab.openstack.keystone_token:
    cloud: lab-admin
  register: admin_token
  no_log: true

- name: Create a project with that token (no second bcrypt check)
  lab.openstack.keystone_project:
    auth:
      auth_url: http://192.168.1.250:5000/v3
      token: "{{ admin_token.token }}"
      project_name: admin
    name: demo
  when: admin_token.authenticated
"""

RETURN = r"""
authenticated:
  description: Whether Keystone accepted the password (HTTP 201), rather than refusing it (401).
  returned: always
  type: bool
  sample: true
token:
  description: The token (the C(X-Subject-Token) header); null when the password was refused.
  returned: always
  type: str
  sample: gAAAAABn...
expires_at:
  description: When the token expires; null when the password was refused.
  returned: always
  type: str
  sample: "2026-12-03T20:15:42.000000Z"
"""

from ansible_collections.lab.openstack.plugins.module_utils.openstack import (
    OpenStackError, OpenStackModule, error_message)


def token_request(auth):
    """The body of a password authentication, scoped as auth says (pure)."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": auth["username"], "domain": {"name": auth.get("user_domain_name") or "Default"},
        "password": auth["password"]}}}}}
    if auth.get("system_scope"):
        body["auth"]["scope"] = {"system": {auth["system_scope"]: True}}
    elif auth.get("project_name"):
        body["auth"]["scope"] = {"project": {"name": auth["project_name"], "domain": {
            "name": auth.get("project_domain_name") or "Default"}}}
    return body


class TokenModule(OpenStackModule):

    def run(self):
        auth, _region = self.auth_params()
        if auth.get("token"):
            raise OpenStackError("keystone_token asks for a token with a password: auth.token is not taken")
        for required in ("auth_url", "username", "password"):
            if not auth.get(required):
                raise OpenStackError("auth.%s is missing" % required)
        response = self.token_response(token_request(auth))
        if response.status_code == 401:
            return {"changed": False, "authenticated": False, "token": None, "expires_at": None}
        if response.status_code != 201:
            raise OpenStackError("asking %s for a token as %s answered HTTP %s: %s" % (
                self.auth_url, auth["username"], response.status_code, error_message(response)))
        token = response.headers.get("X-Subject-Token")
        if not token:
            raise OpenStackError("%s answered 201 without an X-Subject-Token header" % self.auth_url)
        return {"changed": False, "authenticated": True, "token": token,
                "expires_at": response.json()["token"].get("expires_at")}


def main():
    TokenModule()()


if __name__ == "__main__":
    main()
