# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of lab.openstack: pure functions, unit-tested as plain Python; the class is a shim."""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError


def mysql_privileges(databases, privileges="ALL"):
    """['nova', 'nova_api'] -> {'nova.*': 'ALL', 'nova_api.*': 'ALL'} for community.mysql.mysql_user."""
    if isinstance(databases, str) or not isinstance(databases, (list, tuple)):
        raise AnsibleFilterError("mysql_privileges expects a list of database names, got %r" % (databases,))
    result = {}
    for name in databases:
        if not name or not str(name).replace("_", "").isalnum():
            raise AnsibleFilterError("mysql_privileges: %r is not a database name (letters, digits, _)" % (name,))
        result["%s.*" % name] = privileges
    return result


def ipv4_interface_error(value):
    """Return why value is not a usable interface address such as 192.168.1.250/24, or ''."""
    if not isinstance(value, str) or "/" not in value:
        return "%r is not an address with its prefix, such as 192.168.1.250/24" % (value,)
    try:
        iface = ipaddress.IPv4Interface(value)
    except ValueError as exc:
        return "%r is not an IPv4 address with prefix: %s" % (value, exc)
    net = iface.network
    if net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        return "%s is the %s address of %s; pick a host address" % (
            iface.ip, "network" if iface.ip == net.network_address else "broadcast", net)
    return ""


def ipv4_network(value):
    """'192.168.1.250/24' -> '192.168.1.0/24'."""
    try:
        return str(ipaddress.IPv4Interface(value).network)
    except ValueError as exc:
        raise AnsibleFilterError("ipv4_network: %r: %s" % (value, exc)) from exc


def oslo_ini(sections):
    """{section: {option: value}} -> the text of an oslo.config file: [DEFAULT] first, then the
    other sections sorted, options sorted; booleans as true/false, lists joined with commas,
    empty sections (but DEFAULT) left out."""
    if not isinstance(sections, dict):
        raise AnsibleFilterError("oslo_ini expects a dict of sections, got %r" % (sections,))
    names = ["DEFAULT"] + sorted(k for k in sections if k != "DEFAULT")
    lines = []
    for name in names:
        options = sections.get(name) or {}
        if not isinstance(options, dict):
            raise AnsibleFilterError("oslo_ini: section %s must be a dict of options, got %r" % (name, options))
        if not options and name != "DEFAULT":
            continue
        lines.append("[%s]" % name)
        for option in sorted(options):
            value = options[option]
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            elif value is None:
                value = ""
            text = str(value)
            if "\n" in text:
                raise AnsibleFilterError("oslo_ini: [%s] %s holds a line break" % (name, option))
            lines.append("%s = %s" % (option, text))
        lines.append("")
    return "\n".join(lines)


def dpkg_missing(status, packages):
    """The packages of the list that dpkg does not report installed, in the list's order.

    status: the output of dpkg-query --show --showformat='${Package} ${db:Status-Status}\\n'
    for them (a package dpkg never heard of prints no line: missing too)."""
    if not isinstance(status, str):
        raise AnsibleFilterError("dpkg_missing expects the text dpkg-query printed, got %r" % (status,))
    if isinstance(packages, str):
        packages = [packages]
    if not isinstance(packages, (list, tuple)):
        raise AnsibleFilterError("dpkg_missing expects a list of package names, got %r" % (packages,))
    installed = set()
    for line in status.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1] == "installed":
            installed.add(fields[0])
    # apt takes name:arch; dpkg-query's ${Package} is the bare name.
    return [name for name in packages if str(name).split(":", 1)[0] not in installed]


class FilterModule:
    def filters(self):
        return {
            "mysql_privileges": mysql_privileges,
            "ipv4_interface_error": ipv4_interface_error,
            "ipv4_network": ipv4_network,
            "oslo_ini": oslo_ini,
            "dpkg_missing": dpkg_missing,
        }
