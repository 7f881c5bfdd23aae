# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.lab.openstack.plugins.module_utils import lvm

REPORT = ["--noheadings", "--nosuffix", "--units", "b", "--separator", ";"]
VG = "cinder-volumes"


# --- argv ---------------------------------------------------------------------------

def test_vgs_argv():
    assert lvm.vgs_argv("/sbin/vgs") == ["/sbin/vgs"] + REPORT + [
        "-o", "vg_name,pv_count,lv_count,vg_size,vg_free,vg_extent_size"]


def test_pvs_argv():
    assert lvm.pvs_argv("/usr/sbin/pvs") == ["/usr/sbin/pvs"] + REPORT + [
        "-o", "pv_name,vg_name,pv_used,pv_size"]


def test_argv_is_a_new_list_each_time():
    first = lvm.vgs_argv("vgs")
    first.append("--extra")
    assert "--extra" not in lvm.vgs_argv("vgs")


# --- parse_vgs ------------------------------------------------------------------------

def test_parse_vgs_several_groups():
    output = ("  cinder-volumes;2;1;21466447872;20392706048;4194304\n"
              "\n"
              "  ubuntu-vg;1;2;53682896896;0;4194304\n")
    assert lvm.parse_vgs(output) == {
        "cinder-volumes": {"pv_count": 2, "lv_count": 1, "size": 21466447872,
                           "free": 20392706048, "extent_size": 4194304},
        "ubuntu-vg": {"pv_count": 1, "lv_count": 2, "size": 53682896896,
                      "free": 0, "extent_size": 4194304},
    }


def test_parse_vgs_decimal_values_of_older_lvm():
    assert lvm.parse_vgs("  vg0;1;0;1073741824.00;536870912.00;4194304.00\n") == {
        "vg0": {"pv_count": 1, "lv_count": 0, "size": 1073741824, "free": 536870912,
                "extent_size": 4194304},
    }


@pytest.mark.parametrize("output", ["", "\n", "   \n\n  \n"])
def test_parse_vgs_no_group(output):
    assert lvm.parse_vgs(output) == {}


@pytest.mark.parametrize("output", [
    "  cinder-volumes;1;0;1073741824;1073741824\n",            # a field missing
    "  cinder-volumes;1;0;1073741824;1073741824;4194304;x\n",  # a field too many
    "  cinder-volumes 1 0 1073741824 1073741824 4194304\n",    # wrong separator
    "  WARNING: something\n",                                   # a message on stdout
])
def test_parse_vgs_malformed_line(output):
    with pytest.raises(ValueError, match="unexpected LVM report line"):
        lvm.parse_vgs(output)


def test_parse_vgs_non_numeric_value():
    with pytest.raises(ValueError):
        lvm.parse_vgs("  cinder-volumes;one;0;1073741824;1073741824;4194304\n")


# --- parse_pvs ------------------------------------------------------------------------

def test_parse_pvs_members_and_orphans():
    output = ("  /dev/sdb;cinder-volumes;1073741824;10733223936\n"
              "  /dev/sdc;;0;10733223936\n"
              "  /dev/loop0;other;0;5364514816\n")
    assert lvm.parse_pvs(output) == {
        "/dev/sdb": {"vg": "cinder-volumes", "used": 1073741824, "size": 10733223936},
        "/dev/sdc": {"vg": "", "used": 0, "size": 10733223936},
        "/dev/loop0": {"vg": "other", "used": 0, "size": 5364514816},
    }


def test_parse_pvs_empty_numbers_are_zero():
    assert lvm.parse_pvs("  /dev/sdd;;;\n") == {"/dev/sdd": {"vg": "", "used": 0, "size": 0}}


@pytest.mark.parametrize("output", [
    "  /dev/sdb;cinder-volumes;0\n",
    "  /dev/sdb;cinder-volumes;0;10733223936;extra\n",
    "  /dev/sdb;cinder-volumes;0;10733223936\n  /dev/sdc\n",  # only the second line is bad
])
def test_parse_pvs_malformed_line(output):
    with pytest.raises(ValueError, match="unexpected LVM report line"):
        lvm.parse_pvs(output)


# --- validate_vg_name -----------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "cinder-volumes", "nova-volumes", "vg0", "VG_data", "a", "+plus", "_under", ".hidden", "a.b-c+d_e",
])
def test_validate_vg_name_accepts(name):
    assert lvm.validate_vg_name(name) is None


def test_validate_vg_name_empty():
    assert lvm.validate_vg_name("") == "vg must not be empty"
    assert lvm.validate_vg_name(None) == "vg must not be empty"


@pytest.mark.parametrize("name", [
    ".", "..", "-cinder", "cinder/volumes", "cinder volumes", "vg:0", "vg*", "vgé", "/dev/cinder",
])
def test_validate_vg_name_rejects(name):
    error = lvm.validate_vg_name(name)
    assert error is not None
    assert "is not a valid volume group name" in error
    assert repr(name) in error


def test_validate_vg_name_rejects_trailing_newline():
    assert lvm.validate_vg_name("cinder-volumes\n") is not None


# --- validate_pesize ------------------------------------------------------------------

@pytest.mark.parametrize("pesize", [None, "4M", "4m", "4096k", "4096K", "1G", "1.5G", "4", 4, "1t"])
def test_validate_pesize_accepts(pesize):
    assert lvm.validate_pesize(pesize) is None


@pytest.mark.parametrize("pesize", ["", "4X", "M", "-4M", "4 M", "four", "4.M", ".5M"])
def test_validate_pesize_rejects(pesize):
    assert lvm.validate_pesize(pesize) == "pesize %r is not a size such as 4M or 4096k" % (pesize,)


def test_validate_pesize_rejects_trailing_newline():
    assert lvm.validate_pesize("4M\n") is not None


# --- plan -----------------------------------------------------------------------------

def _vgs(*names):
    return {n: {"pv_count": 1, "lv_count": 0, "size": 1, "free": 1, "extent_size": 4194304} for n in names}


def _pvs(**owners):
    # _pvs(sdb="cinder-volumes", sdc="") -> {"/dev/sdb": {...}, ...}
    return {"/dev/" + d: {"vg": vg, "used": 0, "size": 1} for d, vg in owners.items()}


PLAN_CASES = [
    dict(
        id="create",
        wanted=["/dev/sdc", "/dev/sdb"], state="present", vgs=_vgs(), pvs=_pvs(),
        plan=dict(exists=False, create=True, remove=False, pvs_before=[], pvs_after=["/dev/sdb", "/dev/sdc"],
                  to_add=["/dev/sdb", "/dev/sdc"], to_remove=[]),
    ),
    dict(
        id="create-ignores-other-groups",
        wanted=["/dev/sdb"], state="present", vgs=_vgs("other"), pvs=_pvs(sdc="other", sdd=""),
        plan=dict(exists=False, create=True, remove=False, pvs_before=[], pvs_after=["/dev/sdb"],
                  to_add=["/dev/sdb"], to_remove=[]),
    ),
    dict(
        id="extend",
        wanted=["/dev/sdb", "/dev/sdc"], state="present", vgs=_vgs(VG), pvs=_pvs(sdb=VG, sdc=""),
        plan=dict(exists=True, create=False, remove=False, pvs_before=["/dev/sdb"],
                  pvs_after=["/dev/sdb", "/dev/sdc"], to_add=["/dev/sdc"], to_remove=[]),
    ),
    dict(
        id="reduce",
        wanted=["/dev/sdb"], state="present", vgs=_vgs(VG), pvs=_pvs(sdb=VG, sdc=VG),
        plan=dict(exists=True, create=False, remove=False, pvs_before=["/dev/sdb", "/dev/sdc"],
                  pvs_after=["/dev/sdb"], to_add=[], to_remove=["/dev/sdc"]),
    ),
    dict(
        id="replace",
        wanted=["/dev/sdd"], state="present", vgs=_vgs(VG), pvs=_pvs(sdb=VG, sdc=VG),
        plan=dict(exists=True, create=False, remove=False, pvs_before=["/dev/sdb", "/dev/sdc"],
                  pvs_after=["/dev/sdd"], to_add=["/dev/sdd"], to_remove=["/dev/sdb", "/dev/sdc"]),
    ),
    dict(
        id="no-op-duplicates",
        wanted=["/dev/sdc", "/dev/sdb", "/dev/sdb"], state="present", vgs=_vgs(VG), pvs=_pvs(sdb=VG, sdc=VG),
        plan=dict(exists=True, create=False, remove=False, pvs_before=["/dev/sdb", "/dev/sdc"],
                  pvs_after=["/dev/sdb", "/dev/sdc"], to_add=[], to_remove=[]),
    ),
    dict(
        id="pvs-none-keeps-current",
        wanted=None, state="present", vgs=_vgs(VG, "other"), pvs=_pvs(sdb=VG, sdc=VG, sdd="other"),
        plan=dict(exists=True, create=False, remove=False, pvs_before=["/dev/sdb", "/dev/sdc"],
                  pvs_after=["/dev/sdb", "/dev/sdc"], to_add=[], to_remove=[]),
    ),
    dict(
        id="pvs-none-absent-group-has-nothing-to-create-with",
        wanted=None, state="present", vgs=_vgs(), pvs=_pvs(sdb=""),
        plan=dict(exists=False, create=True, remove=False, pvs_before=[], pvs_after=[],
                  to_add=[], to_remove=[]),
    ),
    dict(
        id="remove",
        wanted=None, state="absent", vgs=_vgs(VG), pvs=_pvs(sdb=VG, sdc=VG, sdd=""),
        plan=dict(exists=True, create=False, remove=True, pvs_before=["/dev/sdb", "/dev/sdc"], pvs_after=[],
                  to_add=[], to_remove=["/dev/sdb", "/dev/sdc"]),
    ),
    dict(
        id="remove-ignores-wanted",
        wanted=["/dev/sdd"], state="absent", vgs=_vgs(VG), pvs=_pvs(sdb=VG),
        plan=dict(exists=True, create=False, remove=True, pvs_before=["/dev/sdb"], pvs_after=[],
                  to_add=[], to_remove=["/dev/sdb"]),
    ),
    dict(
        id="absent-already-absent",
        wanted=None, state="absent", vgs=_vgs("other"), pvs=_pvs(sdb="other"),
        plan=dict(exists=False, create=False, remove=False, pvs_before=[], pvs_after=[],
                  to_add=[], to_remove=[]),
    ),
]


@pytest.mark.parametrize("case", PLAN_CASES, ids=[c["id"] for c in PLAN_CASES])
def test_plan(case):
    assert lvm.plan(VG, case["wanted"], case["state"], case["vgs"], case["pvs"]) == case["plan"]


def test_plan_does_not_modify_its_inputs():
    wanted = ["/dev/sdc", "/dev/sdb"]
    vgs, pvs = _vgs(VG), _pvs(sdb=VG)
    lvm.plan(VG, wanted, "present", vgs, pvs)
    assert wanted == ["/dev/sdc", "/dev/sdb"]
    assert vgs == _vgs(VG)
    assert pvs == _pvs(sdb=VG)


def test_parse_vgs_refuses_a_name_reported_twice():
    line = "  cinder-volumes;1;0;2143289344;2143289344;4194304\n"
    with pytest.raises(ValueError, match="reported twice"):
        lvm.parse_vgs(line + line)
