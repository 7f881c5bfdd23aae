# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity v3 helpers shared by the keystone_* modules: names to IDs, with a cache.

Every lookup lists a collection once per module run (one GET for all users of a domain,
all roles, all projects...), so a module handling fifty items makes a handful of requests.
Pure functions at the bottom compute diffs; they are unit-tested without any API.
"""

from __future__ import annotations

from urllib.parse import quote

from ansible_collections.lab.openstack.plugins.module_utils.openstack import OpenStackError, OpenStackModule


class KeystoneModule(OpenStackModule):
    """OpenStackModule with cached name -> resource lookups for Identity v3."""

    service_type = "identity"

    def __init__(self):
        super().__init__()
        self._cache = {}

    def _listing(self, key, path, collection):
        if key not in self._cache:
            self._cache[key] = self.get(path, service_type="identity")[collection]
        return self._cache[key]

    def forget(self, key):
        self._cache.pop(key, None)

    def items(self, list_option, options):
        """The module's items: the list option's entries, each completed with the
        module-level value of every option it does not set; or the module-level options alone."""
        if self.params[list_option] is None:
            return [{k: self.params[k] for k in options}]
        return [{k: self.params[k] if item.get(k) is None else item[k] for k in options}
                for item in self.params[list_option]]

    def resources_result(self, key, list_option, pairs):
        """The result of a module taking one resource or a list (list_option) of them, from
        its (before, after) pairs: the list form returns and diffs a list under list_option."""
        if self.params[list_option] is None:
            return self.resource_result(key, *pairs[0])
        result = {"changed": any(before != after for before, after in pairs),
                  list_option: [after for _before, after in pairs]}
        if self.ansible._diff:
            result["diff"] = {"before": {list_option: [before or {} for before, _after in pairs]},
                              "after": {list_option: [after or {} for _before, after in pairs]}}
        return result

    def resource_result(self, key, before, after):
        """The result of a one-resource module: changed from the comparison, diff when asked."""
        result = {"changed": before != after, key: after}
        if self.ansible._diff:
            result["diff"] = {"before": before or {}, "after": after or {}}
        return result

    # --- lookups ----------------------------------------------------------------------
    def domain(self, name, required=True, parameter="domain"):
        if not name:
            raise OpenStackError("%s must not be empty" % parameter)
        for domain in self._listing("domains", "domains", "domains"):
            if domain["name"] == name or domain["id"] == name:
                return domain
        if required:
            raise OpenStackError("%s %r does not exist" % (parameter, name))
        return None

    def domain_id(self, name, parameter="domain"):
        return self.domain(name, parameter=parameter)["id"]

    def _by_name(self, kind, name, domain_id=None, required=True, parameter=None):
        key = (kind, domain_id)
        path = kind if domain_id is None else "%s?domain_id=%s" % (kind, quote(domain_id))
        for item in self._listing(key, path, kind):
            if item["name"] == name:
                return item
        if required:
            where = " in domain %s" % domain_id if domain_id else ""
            raise OpenStackError("%s %r does not exist%s" % (parameter or kind[:-1], name, where))
        return None

    def project(self, name, domain, required=True, parameter="project", domain_parameter=None):
        return self._by_name("projects", name, self.domain_id(domain, domain_parameter or parameter + "_domain"),
                             required, parameter)

    def user(self, name, domain, required=True, parameter="user"):
        return self._by_name("users", name, self.domain_id(domain, parameter + "_domain"), required, parameter)

    def group(self, name, domain, required=True, parameter="group"):
        return self._by_name("groups", name, self.domain_id(domain, parameter + "_domain"), required, parameter)

    def role(self, name, required=True, parameter="role"):
        # Global roles (no domain), the kind the tutorial uses.
        for item in self._listing("roles", "roles", "roles"):
            if item["name"] == name and not item.get("domain_id"):
                return item
        if required:
            raise OpenStackError("%s %r does not exist" % (parameter, name))
        return None


def list_form_spec(item_spec, list_option, required_in_items=()):
    """argument_spec of a module taking one item or a list of them: the item's options at
    the top level (with their defaults), and the list option whose entries take the same
    options without defaults, so that an entry leaving one out takes the top-level value."""
    entry = {}
    for name, spec in item_spec.items():
        entry[name] = {k: v for k, v in spec.items() if k != "default"}
        if name in required_in_items:
            entry[name]["required"] = True
    spec = dict(item_spec)
    spec[list_option] = dict(type="list", elements="dict", options=entry)
    return spec


def unique_items(items, list_option, key, label=None):
    """Fails on an item listed twice (the same key), before anything is written; label names
    the item in the message (its name by default)."""
    seen = set()
    for item in items:
        if key(item) in seen:
            raise OpenStackError("%s: %s is listed twice" % (list_option, label(item) if label else item["name"]))
        seen.add(key(item))
    return items


def require_name(value, parameter):
    if value is None or not str(value).strip():
        raise OpenStackError("%s must not be empty" % parameter)
    return value


def changes(current, desired):
    """Keys of desired whose value differs from current (None in desired means: leave it)."""
    return {k: v for k, v in desired.items() if v is not None and current.get(k) != v}


def project_view(resource, keys):
    """The subset of a resource shown in diffs and results."""
    return {k: resource.get(k) for k in keys}
