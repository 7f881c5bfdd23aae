# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers for LVM: report parsers and the plan of a volume group change.

Nothing here runs a command; the lvm_vg module feeds these functions the output
of ``vgs``/``pvs`` and turns the plan into argv lists.
"""

from __future__ import annotations

import re

SEPARATOR = ";"
VGS_FIELDS = ("vg_name", "pv_count", "lv_count", "vg_size", "vg_free", "vg_extent_size")
PVS_FIELDS = ("pv_name", "vg_name", "pv_used", "pv_size")
REPORT_OPTIONS = ("--noheadings", "--nosuffix", "--units", "b", "--separator", SEPARATOR)

# lvm's own rule for VG names (lib/misc/lvm-string.c: validate_name).
_VG_NAME = re.compile(r"[A-Za-z0-9+_.][A-Za-z0-9+_.-]*")
_PESIZE = re.compile(r"[0-9]+(\.[0-9]+)?[kKmMgGtT]?")


def vgs_argv(binary):
    return [binary] + list(REPORT_OPTIONS) + ["-o", ",".join(VGS_FIELDS)]


def pvs_argv(binary):
    return [binary] + list(REPORT_OPTIONS) + ["-o", ",".join(PVS_FIELDS)]


def _rows(output, fields):
    rows = []
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            continue
        values = [v.strip() for v in line.split(SEPARATOR)]
        if len(values) != len(fields):
            raise ValueError("unexpected LVM report line %r (want %d fields: %s)"
                             % (line, len(fields), ", ".join(fields)))
        rows.append(dict(zip(fields, values)))
    return rows


def _int(value):
    # --units b --nosuffix prints plain integers; older lvm2 may print "1234.00".
    return int(float(value)) if value else 0


def parse_vgs(output):
    """Return {vg_name: {pv_count, lv_count, size, free, extent_size}}."""
    vgs = {}
    for row in _rows(output, VGS_FIELDS):
        if row["vg_name"] in vgs:
            raise ValueError(
                "volume group %s is reported twice: LVM sees two groups of that name (disks of "
                "another host or container?); restrict what LVM scans (devices file or filter) "
                "before changing it" % row["vg_name"])
        vgs[row["vg_name"]] = {
            "pv_count": _int(row["pv_count"]),
            "lv_count": _int(row["lv_count"]),
            "size": _int(row["vg_size"]),
            "free": _int(row["vg_free"]),
            "extent_size": _int(row["vg_extent_size"]),
        }
    return vgs


def parse_pvs(output):
    """Return {pv_name: {vg, used, size}}; vg is '' for a PV in no VG."""
    pvs = {}
    for row in _rows(output, PVS_FIELDS):
        pvs[row["pv_name"]] = {
            "vg": row["vg_name"],
            "used": _int(row["pv_used"]),
            "size": _int(row["pv_size"]),
        }
    return pvs


def validate_vg_name(name):
    """Return an error message, or None when lvm accepts the name."""
    if not name:
        return "vg must not be empty"
    if name in (".", "..") or not _VG_NAME.fullmatch(name):
        return ("vg %r is not a valid volume group name: use letters, digits and + _ . - "
                "and do not start with -" % name)
    return None


def validate_pesize(pesize):
    if pesize is None or _PESIZE.fullmatch(str(pesize)):
        return None
    return "pesize %r is not a size such as 4M or 4096k" % (pesize,)


def plan(vg, wanted_pvs, state, vgs, pvs):
    """Compute what to do, as a dict of sets and flags; decides nothing about safety.

    wanted_pvs: canonical device paths the VG must consist of (None: keep what it has).
    Returns {exists, create, remove, pvs_before, pvs_after, to_add, to_remove}.
    """
    current = sorted(name for name, pv in pvs.items() if pv["vg"] == vg)
    exists = vg in vgs
    if state == "absent":
        return {
            "exists": exists, "create": False, "remove": exists,
            "pvs_before": current, "pvs_after": [],
            "to_add": [], "to_remove": current if exists else [],
        }
    if wanted_pvs is None:
        wanted = list(current)
    else:
        wanted = sorted(set(wanted_pvs))
    to_add = sorted(set(wanted) - set(current))
    to_remove = sorted(set(current) - set(wanted))
    return {
        "exists": exists, "create": not exists, "remove": False,
        "pvs_before": current, "pvs_after": wanted,
        "to_add": to_add, "to_remove": to_remove,
    }
