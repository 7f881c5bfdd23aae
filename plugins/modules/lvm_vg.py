#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: lvm_vg
short_description: Manage an LVM volume group and its physical volumes
version_added: "0.1.0"
description:
  - Creates, extends, reduces or removes an LVM volume group (the tutorial's C(nova-volumes),
    today C(cinder-volumes)).
  - The O(pvs) list is the whole set of physical volumes the group must have; devices missing
    from the group are initialised and added, devices in the group but not in the list are
    removed from it and wiped of their PV label.
  - Refuses, before anything is written, a device that does not exist, is not a block device,
    holds a filesystem or another signature, or belongs to another volume group, unless
    O(force=true). Refuses to remove a physical volume that holds allocated extents, and a
    volume group that holds logical volumes unless O(force=true).
  - Every command is an argv list; the plan is computed from C(vgs) and C(pvs) reports and the
    module reports C(changed) only when that plan is not empty.
author:
  - lab.openstack developers (@lab-openstack)
options:
  vg:
    description: Name of the volume group.
    type: str
    required: true
  pvs:
    description:
      - Block devices (or symlinks to them, such as C(/dev/disk/by-id/...)) the volume group
        must consist of.
      - Required to create the group; when omitted on an existing group its devices are kept.
    type: list
    elements: path
  pesize:
    description:
      - Physical extent size used when the group is created, such as C(4M). Ignored for an
        existing group (LVM cannot change it safely).
    type: str
  state:
    description: Whether the volume group must exist.
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Allow initialising a device that holds another signature (a filesystem, a partition
        table) or belongs to another volume group (C(pvcreate -ff)); its data is lost.
      - Allow removing a volume group that still holds logical volumes (C(vgremove -f)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the current state and reports the commands it would run, running none.
  diff_mode:
    support: full
    description: Shows the volume group and its physical volumes before and after.
requirements:
  - lvm2 on the managed host
notes:
  - Loop devices are block devices, so a lab can build the group on a loop file; the
    C(lab.openstack.lvm) role attaches such a file at every boot.
seealso:
  - module: community.general.lvg
"""

EXAMPLES = r"""
- name: The tutorial's volume group, on the spare disk
  lab.openstack.lvm_vg:
    vg: cinder-volumes
    pvs:
      - /dev/sdb

- name: Grow it with a second disk (the first one is kept)
  lab.openstack.lvm_vg:
    vg: cinder-volumes
    pvs:
      - /dev/sdb
      - /dev/sdc

- name: Remove the group and wipe its physical volumes
  lab.openstack.lvm_vg:
    vg: cinder-volumes
    state: absent
"""

RETURN = r"""
vg:
  description: Name of the volume group.
  returned: always
  type: str
  sample: cinder-volumes
pvs:
  description: Physical volumes of the group after the change (canonical device paths).
  returned: always
  type: list
  elements: str
  sample: ["/dev/sdb"]
size:
  description: Size of the group in bytes after the change (0 when absent or in check mode before creation).
  returned: always
  type: int
  sample: 10733223936
free:
  description: Free space of the group in bytes after the change.
  returned: always
  type: int
  sample: 10733223936
commands:
  description: The commands run, or that would run in check mode, in order.
  returned: always
  type: list
  elements: str
  sample: ["pvcreate -y /dev/sdb", "vgcreate cinder-volumes /dev/sdb"]
"""

import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lab.openstack.plugins.module_utils.command import CommandError, CommandRunner
from ansible_collections.lab.openstack.plugins.module_utils import lvm

LVM_ENV = {"LVM_SUPPRESS_FD_WARNINGS": "1", "LC_ALL": "C"}


class VolumeGroup:
    def __init__(self, module, runner):
        self.module = module
        self.runner = runner
        self.p = module.params

    # --- reading ------------------------------------------------------------------
    def report(self):
        _rc, out, _err = self.runner.read(lvm.vgs_argv(self.runner.binary("vgs")))
        vgs = lvm.parse_vgs(out)
        _rc, out, _err = self.runner.read(lvm.pvs_argv(self.runner.binary("pvs")))
        # pvs names a device-mapper PV /dev/mapper/NAME: compare canonical paths (/dev/dm-N),
        # as the devices asked for are.
        return vgs, {os.path.realpath(name): pv for name, pv in lvm.parse_pvs(out).items()}

    def signature(self, device):
        """Return the TYPE blkid finds on a device, or None (blkid exits 2 when none)."""
        rc, out, _err = self.runner.read(
            [self.runner.binary("blkid"), "-p", "-o", "export", device], allowed_rc=(0, 2))
        if rc == 2:
            return None
        for line in out.splitlines():
            if line.startswith("TYPE="):
                return line.split("=", 1)[1]
        for line in out.splitlines():
            if line.startswith("PTTYPE="):
                return "partition table (%s)" % line.split("=", 1)[1]
        return None

    # --- validation (before any write) ---------------------------------------------
    def canonical_devices(self):
        if self.p["pvs"] is None:
            return None
        devices = []
        for raw in self.p["pvs"]:
            if not raw:
                self.module.fail_json(msg="pvs: an empty device path was given; list block devices such as /dev/sdb")
            if not os.path.exists(raw):
                self.module.fail_json(
                    msg="pvs: device %s does not exist; check the disk name (lsblk lists them)" % raw)
            path = os.path.realpath(raw)
            if not stat.S_ISBLK(os.stat(path).st_mode):
                self.module.fail_json(
                    msg="pvs: %s is not a block device; give a disk, a partition or a loop device "
                        "(losetup attaches a file)" % raw)
            devices.append(path)
        return devices

    def check_plan(self, plan, vgs, pvs):
        vg, force = self.p["vg"], self.p["force"]
        if self.p["state"] == "present" and not plan["pvs_after"]:
            self.module.fail_json(
                msg="pvs must list at least one device for volume group %s (to remove the group, "
                    "use state=absent)" % vg if plan["exists"] else
                    "pvs is required to create volume group %s" % vg)
        for device in plan["to_add"]:
            owner = pvs.get(device, {}).get("vg", "")
            if owner and owner != vg and not force:
                self.module.fail_json(
                    msg="pvs: %s belongs to volume group %s; remove it there (vgreduce) or set "
                        "force=true to take it, destroying its data" % (device, owner))
            if device not in pvs:
                sig = self.signature(device)
                if sig and not force:
                    self.module.fail_json(
                        msg="pvs: %s holds a %s signature; wipe it (wipefs -a) or set force=true "
                            "to overwrite it, destroying its data" % (device, sig))
        for device in plan["to_remove"]:
            if plan["remove"]:
                continue
            if pvs[device]["used"] > 0:
                self.module.fail_json(
                    msg="pvs: %s holds allocated extents of %s; move them with pvmove before "
                        "removing it from the list" % (device, vg))
        if plan["remove"] and vgs[vg]["lv_count"] > 0 and not force:
            self.module.fail_json(
                msg="volume group %s holds %d logical volume(s); remove them first or set "
                    "force=true" % (vg, vgs[vg]["lv_count"]))

    # --- acting ------------------------------------------------------------------------
    def pvcreate(self, devices, pvs):
        new = [d for d in devices if d not in pvs or pvs[d]["vg"] not in ("", self.p["vg"])]
        if new:
            argv = [self.runner.binary("pvcreate"), "-y"]
            if self.p["force"]:
                argv.append("-ff")
            self.runner.write(argv + new)

    def apply(self, plan, pvs):
        vg = self.p["vg"]
        if plan["remove"]:
            argv = [self.runner.binary("vgremove")]
            if self.p["force"]:
                argv.append("-f")
            self.runner.write(argv + [vg])
            if plan["to_remove"]:
                self.runner.write([self.runner.binary("pvremove"), "-y"] + plan["to_remove"])
            return
        if plan["create"]:
            self.pvcreate(plan["to_add"], pvs)
            argv = [self.runner.binary("vgcreate")]
            if self.p["pesize"]:
                argv += ["-s", self.p["pesize"]]
            self.runner.write(argv + [vg] + plan["to_add"])
            return
        if plan["to_add"]:
            self.pvcreate(plan["to_add"], pvs)
            self.runner.write([self.runner.binary("vgextend"), vg] + plan["to_add"])
        if plan["to_remove"]:
            self.runner.write([self.runner.binary("vgreduce"), vg] + plan["to_remove"])
            self.runner.write([self.runner.binary("pvremove"), "-y"] + plan["to_remove"])

    def run(self):
        p = self.p
        for error in (lvm.validate_vg_name(p["vg"]), lvm.validate_pesize(p["pesize"])):
            if error:
                self.module.fail_json(msg=error)
        wanted = self.canonical_devices() if p["state"] == "present" else None
        vgs, pvs = self.report()
        plan = lvm.plan(p["vg"], wanted, p["state"], vgs, pvs)
        self.check_plan(plan, vgs, pvs)
        self.apply(plan, pvs)
        changed = bool(self.runner.executed)

        size = free = 0
        if p["state"] == "present":
            if changed and not self.module.check_mode:
                vgs, _pvs = self.report()
            size = vgs.get(p["vg"], {}).get("size", 0)
            free = vgs.get(p["vg"], {}).get("free", 0)
        result = {
            "changed": changed,
            "vg": p["vg"],
            "pvs": plan["pvs_after"],
            "size": size,
            "free": free,
            "commands": self.runner.executed,
        }
        if self.module._diff:
            result["diff"] = {
                "before": _state(p["vg"], plan["exists"], plan["pvs_before"]),
                "after": _state(p["vg"], p["state"] == "present", plan["pvs_after"]),
            }
        return result


def _state(vg, present, pvs):
    if not present:
        return {"vg": vg, "state": "absent"}
    return {"vg": vg, "state": "present", "pvs": list(pvs)}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            vg=dict(type="str", required=True),
            pvs=dict(type="list", elements="path"),
            pesize=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            force=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    runner = CommandRunner(module, environ_update=LVM_ENV)
    try:
        result = VolumeGroup(module, runner).run()
    except (CommandError, ValueError) as exc:
        module.fail_json(msg=str(exc), commands=runner.executed)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
