# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  auth:
    description:
      - Credentials. Used when O(auth.auth_url) is set; otherwise the C(OS_*) environment
        variables, then the O(cloud) entry of a C(clouds.yaml) (./, ~/.config/openstack/, /etc/openstack/).
      - With O(cloud), what O(auth) gives wins over the cloud's entry, such as O(auth.token) from
        M(lab.openstack.keystone_token), which then replaces the cloud's password.
    type: dict
    suboptions:
      auth_url:
        description: Keystone v3 URL, such as C(http://192.168.1.250:5000/v3).
        type: str
      username:
        description: User to authenticate as.
        type: str
      password:
        description: Its password.
        type: str
      token:
        description:
          - A token to authenticate with instead of O(auth.username) and O(auth.password), such as the
            C(token) M(lab.openstack.keystone_token) returned. Keystone checks a token without
            hashing a password, which saves a bcrypt check per module run.
          - Scoped again to O(auth.project_name) (or O(auth.system_scope)).
        type: str
      project_name:
        description: Project to scope the token to.
        type: str
      project_domain_name:
        description: Domain of O(auth.project_name); C(Default) when not set.
        type: str
      user_domain_name:
        description: Domain of O(auth.username); C(Default) when not set.
        type: str
      system_scope:
        description: C(all) for a system-scoped token instead of a project-scoped one.
        type: str
  cloud:
    description: Name of a C(clouds.yaml) cloud to take the credentials from.
    type: str
  region_name:
    description: Region whose endpoints are used.
    type: str
  interface:
    description: Which endpoints of the catalog to call.
    type: str
    choices: [public, internal, admin]
    default: public
  validate_certs:
    description: Verify TLS certificates.
    type: bool
    default: true
  ca_cert:
    description: CA bundle to verify TLS certificates with.
    type: path
  api_timeout:
    description: Seconds to wait for one API answer.
    type: int
    default: 30
requirements:
  - python3-keystoneauth1 (the distribution's package) on the managed host
notes:
  - Connection resets and HTTP 5xx answers are retried 4 times with backoff.
  - API errors fail the task with the HTTP status, the service and the server's message.
"""
