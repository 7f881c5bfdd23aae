# -*- coding: utf-8 -*-
# Copyright: lab.openstack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab.openstack.lvm_vg end to end through main(), on a fake host.

Each case of CASES describes the host (canned ``vgs``/``pvs``/``blkid`` outputs), the
module arguments, the write commands (argv lists) the module must run, in order, and
the result. The fake run_command answers only the read commands of the case and the
write commands the case expects; any other argv fails the test.
"""

from __future__ import annotations

import os
import stat

import pytest

from ansible.module_utils import basic
from ansible_collections.lab.openstack.plugins.modules import lvm_vg
from ansible_collections.lab.openstack.tests.unit.plugins.modules.fake_keystone import patch_module_args

VG = "cinder-volumes"
VGS = ["/sbin/vgs", "--noheadings", "--nosuffix", "--units", "b", "--separator", ";",
       "-o", "vg_name,pv_count,lv_count,vg_size,vg_free,vg_extent_size"]
PVS = ["/sbin/pvs", "--noheadings", "--nosuffix", "--units", "b", "--separator", ";",
       "-o", "pv_name,vg_name,pv_used,pv_size"]
LVM_ENV = {"LVM_SUPPRESS_FD_WARNINGS": "1", "LC_ALL": "C"}
WRITE_BINARIES = {"pvcreate", "pvremove", "vgcreate", "vgextend", "vgreduce", "vgremove"}


def blkid(device):
    return ["/sbin/blkid", "-p", "-o", "export", device]


# --- canned reports (10 GiB disks; 4 MiB extents) --------------------------------------------
PV = 10733223936  # pv_size of a 10 GiB disk
NO_VG = ""
NO_PV = ""
VG_SDB = "  cinder-volumes;1;0;10733223936;10733223936;4194304\n"
VG_SDB_SDC = "  cinder-volumes;2;0;21466447872;21466447872;4194304\n"
VG_SDB_SDC_LVS = "  cinder-volumes;2;2;21466447872;19318964224;4194304\n"
VG_SDB_8M = "  cinder-volumes;1;0;10730078208;10730078208;8388608\n"
VG_OTHER = "  other;1;0;10733223936;10733223936;4194304\n"
PV_SDB = "  /dev/sdb;cinder-volumes;0;10733223936\n"
PV_SDB_SDC = ("  /dev/sdb;cinder-volumes;0;10733223936\n"
              "  /dev/sdc;cinder-volumes;0;10733223936\n")
PV_SDB_SDC_LVS = ("  /dev/sdb;cinder-volumes;2147483648;10733223936\n"
                  "  /dev/sdc;cinder-volumes;0;10733223936\n")
PV_SDB_SDC_USED = ("  /dev/sdb;cinder-volumes;0;10733223936\n"
                   "  /dev/sdc;cinder-volumes;1073741824;10733223936\n")
PV_SDB_SDC_ORPHAN = ("  /dev/sdb;cinder-volumes;0;10733223936\n"
                     "  /dev/sdc;;0;10733223936\n")
PV_SDB_SDC_OTHER = ("  /dev/sdb;cinder-volumes;0;10733223936\n"
                    "  /dev/sdc;other;0;10733223936\n")

# blkid -p -o export: rc 2 when it finds no signature.
BLANK = (2, "")
EXT4 = (0, "DEVNAME=/dev/sdb\nUUID=5b3c2c1e-9a2e-4c55-8a4f-3f1e1a6c2d10\nVERSION=1.0\nBLOCK_SIZE=4096\n"
           "TYPE=ext4\nUSAGE=filesystem\n")
GPT = (0, "DEVNAME=/dev/sdb\nPTUUID=0a1b2c3d-1111-2222-3333-444455556666\nPTTYPE=gpt\n")

# --- the fake filesystem: path -> "block", "file", or ("link", target) -------------------------
FILESYSTEM = {
    "/dev/sdb": "block",
    "/dev/sdc": "block",
    "/dev/sdd": "block",
    "/dev/loop0": "block",
    "/dev/dm-0": "block",
    "/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002": ("link", "/dev/sdb"),
    "/dev/mapper/cryptpv": ("link", "/dev/dm-0"),
    "/etc/passwd": "file",
}


CASES = [
    # --- present -------------------------------------------------------------------------
    dict(
        id="create",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=[NO_VG, VG_SDB], pvs=[NO_PV, PV_SDB], blkid={"/dev/sdb": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdb"],
                ["/sbin/vgcreate", VG, "/dev/sdb"]],
        changed=True,
        result=dict(vg=VG, pvs=["/dev/sdb"], size=10733223936, free=10733223936,
                    commands=["pvcreate -y /dev/sdb", "vgcreate cinder-volumes /dev/sdb"]),
    ),
    dict(
        id="create-with-pesize",
        params=dict(vg=VG, pvs=["/dev/sdb"], pesize="8M"),
        vgs=[NO_VG, VG_SDB_8M], pvs=[NO_PV, PV_SDB], blkid={"/dev/sdb": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdb"],
                ["/sbin/vgcreate", "-s", "8M", VG, "/dev/sdb"]],
        changed=True,
        result=dict(size=10730078208, commands=["pvcreate -y /dev/sdb", "vgcreate -s 8M cinder-volumes /dev/sdb"]),
    ),
    dict(
        id="create-two-devices-sorted",
        params=dict(vg=VG, pvs=["/dev/sdc", "/dev/sdb"]),
        vgs=[NO_VG, VG_SDB_SDC], pvs=[NO_PV, PV_SDB_SDC], blkid={"/dev/sdb": BLANK, "/dev/sdc": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdb", "/dev/sdc"],
                ["/sbin/vgcreate", VG, "/dev/sdb", "/dev/sdc"]],
        changed=True,
        result=dict(pvs=["/dev/sdb", "/dev/sdc"], size=21466447872),
    ),
    dict(
        id="create-on-a-loop-device",
        params=dict(vg=VG, pvs=["/dev/loop0"]),
        vgs=[NO_VG, VG_SDB], pvs=[NO_PV, "  /dev/loop0;cinder-volumes;0;10733223936\n"],
        blkid={"/dev/loop0": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/loop0"],
                ["/sbin/vgcreate", VG, "/dev/loop0"]],
        changed=True,
        result=dict(pvs=["/dev/loop0"]),
    ),
    dict(
        id="create-on-an-existing-orphan-pv-skips-pvcreate",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=[NO_VG, VG_SDB], pvs=[f"  /dev/sdb;;0;{PV}\n", PV_SDB],
        writes=[["/sbin/vgcreate", VG, "/dev/sdb"]],
        changed=True,
        result=dict(commands=["vgcreate cinder-volumes /dev/sdb"]),
    ),
    dict(
        id="extend",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"]),
        vgs=[VG_SDB, VG_SDB_SDC], pvs=[PV_SDB, PV_SDB_SDC], blkid={"/dev/sdc": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdc"],
                ["/sbin/vgextend", VG, "/dev/sdc"]],
        changed=True,
        result=dict(pvs=["/dev/sdb", "/dev/sdc"], size=21466447872, free=21466447872,
                    commands=["pvcreate -y /dev/sdc", "vgextend cinder-volumes /dev/sdc"]),
    ),
    dict(
        id="extend-with-an-orphan-pv-skips-pvcreate",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"]),
        vgs=[VG_SDB, VG_SDB_SDC], pvs=[PV_SDB_SDC_ORPHAN, PV_SDB_SDC],
        writes=[["/sbin/vgextend", VG, "/dev/sdc"]],
        changed=True,
    ),
    dict(
        id="extend-ignores-pesize-of-an-existing-group",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"], pesize="8M"),
        vgs=[VG_SDB, VG_SDB_SDC], pvs=[PV_SDB, PV_SDB_SDC], blkid={"/dev/sdc": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdc"],
                ["/sbin/vgextend", VG, "/dev/sdc"]],
        changed=True,
    ),
    dict(
        id="reduce",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=[VG_SDB_SDC, VG_SDB], pvs=[PV_SDB_SDC, PV_SDB],
        writes=[["/sbin/vgreduce", VG, "/dev/sdc"],
                ["/sbin/pvremove", "-y", "/dev/sdc"]],
        changed=True,
        result=dict(pvs=["/dev/sdb"], size=10733223936,
                    commands=["vgreduce cinder-volumes /dev/sdc", "pvremove -y /dev/sdc"]),
    ),
    dict(
        id="extend-and-reduce-adds-first",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdd"]),
        vgs=[VG_SDB_SDC, VG_SDB_SDC], pvs=[PV_SDB_SDC, PV_SDB_SDC], blkid={"/dev/sdd": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdd"],
                ["/sbin/vgextend", VG, "/dev/sdd"],
                ["/sbin/vgreduce", VG, "/dev/sdc"],
                ["/sbin/pvremove", "-y", "/dev/sdc"]],
        changed=True,
        result=dict(pvs=["/dev/sdb", "/dev/sdd"]),
    ),
    dict(
        id="no-op-present-and-matching",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=VG_SDB, pvs=PV_SDB,
        writes=[], changed=False,
        result=dict(vg=VG, pvs=["/dev/sdb"], size=10733223936, free=10733223936, commands=[]),
    ),
    dict(
        id="no-op-order-and-duplicates-do-not-matter",
        params=dict(vg=VG, pvs=["/dev/sdc", "/dev/sdb", "/dev/sdc"]),
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC,
        writes=[], changed=False,
        result=dict(pvs=["/dev/sdb", "/dev/sdc"]),
    ),
    dict(
        id="no-op-pvs-omitted-keeps-current",
        params=dict(vg=VG),
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC,
        writes=[], changed=False,
        result=dict(pvs=["/dev/sdb", "/dev/sdc"], size=21466447872),
    ),
    dict(
        id="no-op-symlink-resolved-to-canonical-device",
        params=dict(vg=VG, pvs=["/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002"]),
        vgs=VG_SDB, pvs=PV_SDB,
        writes=[], changed=False,
        result=dict(pvs=["/dev/sdb"]),
    ),
    dict(
        id="create-through-a-symlink-uses-the-canonical-device",
        params=dict(vg=VG, pvs=["/dev/disk/by-id/ata-QEMU_HARDDISK_QM00002"]),
        vgs=[NO_VG, VG_SDB], pvs=[NO_PV, PV_SDB], blkid={"/dev/sdb": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdb"],
                ["/sbin/vgcreate", VG, "/dev/sdb"]],
        changed=True,
    ),
    dict(
        id="no-op-device-mapper-pv-reported-by-its-mapper-name",
        params=dict(vg=VG, pvs=["/dev/mapper/cryptpv"]),
        vgs=VG_SDB, pvs=f"  /dev/mapper/cryptpv;cinder-volumes;0;{PV}\n",
        blkid={"/dev/dm-0": (0, "DEVNAME=/dev/dm-0\nUUID=x\nVERSION=LVM2 001\nTYPE=LVM2_member\nUSAGE=raid\n")},
        writes=[], changed=False,
        result=dict(pvs=["/dev/dm-0"]),
    ),
    # --- absent --------------------------------------------------------------------------
    dict(
        id="remove",
        params=dict(vg=VG, state="absent"),
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC,
        writes=[["/sbin/vgremove", VG],
                ["/sbin/pvremove", "-y", "/dev/sdb", "/dev/sdc"]],
        changed=True,
        result=dict(vg=VG, pvs=[], size=0, free=0,
                    commands=["vgremove cinder-volumes", "pvremove -y /dev/sdb /dev/sdc"]),
    ),
    dict(
        id="remove-ignores-pvs",
        params=dict(vg=VG, state="absent", pvs=["/dev/sdz"]),
        vgs=VG_SDB, pvs=PV_SDB,
        writes=[["/sbin/vgremove", VG],
                ["/sbin/pvremove", "-y", "/dev/sdb"]],
        changed=True,
    ),
    dict(
        id="remove-with-lvs-and-force",
        params=dict(vg=VG, state="absent", force=True),
        vgs=VG_SDB_SDC_LVS, pvs=PV_SDB_SDC_LVS,
        writes=[["/sbin/vgremove", "-f", VG],
                ["/sbin/pvremove", "-y", "/dev/sdb", "/dev/sdc"]],
        changed=True,
        result=dict(commands=["vgremove -f cinder-volumes", "pvremove -y /dev/sdb /dev/sdc"]),
    ),
    dict(
        id="absent-already-absent",
        params=dict(vg=VG, state="absent"),
        vgs=VG_OTHER, pvs=f"  /dev/sdc;other;0;{PV}\n",
        writes=[], changed=False,
        result=dict(vg=VG, pvs=[], size=0, free=0, commands=[]),
    ),
    # --- check mode: the commands are returned, none is run ------------------------------
    dict(
        id="check-create",
        params=dict(vg=VG, pvs=["/dev/sdb"], pesize="4M"), check_mode=True,
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": BLANK},
        writes=[], changed=True,
        result=dict(pvs=["/dev/sdb"], size=0, free=0,
                    commands=["pvcreate -y /dev/sdb", "vgcreate -s 4M cinder-volumes /dev/sdb"]),
    ),
    dict(
        id="check-extend",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"]), check_mode=True,
        vgs=VG_SDB, pvs=PV_SDB, blkid={"/dev/sdc": BLANK},
        writes=[], changed=True,
        result=dict(pvs=["/dev/sdb", "/dev/sdc"], size=10733223936,
                    commands=["pvcreate -y /dev/sdc", "vgextend cinder-volumes /dev/sdc"]),
    ),
    dict(
        id="check-reduce",
        params=dict(vg=VG, pvs=["/dev/sdb"]), check_mode=True,
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC,
        writes=[], changed=True,
        result=dict(pvs=["/dev/sdb"], commands=["vgreduce cinder-volumes /dev/sdc", "pvremove -y /dev/sdc"]),
    ),
    dict(
        id="check-remove",
        params=dict(vg=VG, state="absent"), check_mode=True,
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC,
        writes=[], changed=True,
        result=dict(pvs=[], commands=["vgremove cinder-volumes", "pvremove -y /dev/sdb /dev/sdc"]),
    ),
    dict(
        id="check-no-op",
        params=dict(vg=VG, pvs=["/dev/sdb"]), check_mode=True,
        vgs=VG_SDB, pvs=PV_SDB,
        writes=[], changed=False,
        result=dict(commands=[]),
    ),
    # --- diff mode -----------------------------------------------------------------------
    dict(
        id="diff-create",
        params=dict(vg=VG, pvs=["/dev/sdb"]), diff=True,
        vgs=[NO_VG, VG_SDB], pvs=[NO_PV, PV_SDB], blkid={"/dev/sdb": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdb"],
                ["/sbin/vgcreate", VG, "/dev/sdb"]],
        changed=True,
        result=dict(diff=dict(before=dict(vg=VG, state="absent"),
                              after=dict(vg=VG, state="present", pvs=["/dev/sdb"]))),
    ),
    dict(
        id="diff-check-extend",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"]), diff=True, check_mode=True,
        vgs=VG_SDB, pvs=PV_SDB, blkid={"/dev/sdc": BLANK},
        writes=[], changed=True,
        result=dict(diff=dict(before=dict(vg=VG, state="present", pvs=["/dev/sdb"]),
                              after=dict(vg=VG, state="present", pvs=["/dev/sdb", "/dev/sdc"]))),
    ),
    dict(
        id="diff-remove",
        params=dict(vg=VG, state="absent"), diff=True,
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC,
        writes=[["/sbin/vgremove", VG],
                ["/sbin/pvremove", "-y", "/dev/sdb", "/dev/sdc"]],
        changed=True,
        result=dict(diff=dict(before=dict(vg=VG, state="present", pvs=["/dev/sdb", "/dev/sdc"]),
                              after=dict(vg=VG, state="absent"))),
    ),
    dict(
        id="diff-no-op",
        params=dict(vg=VG, pvs=["/dev/sdb"]), diff=True,
        vgs=VG_SDB, pvs=PV_SDB,
        writes=[], changed=False,
        result=dict(diff=dict(before=dict(vg=VG, state="present", pvs=["/dev/sdb"]),
                              after=dict(vg=VG, state="present", pvs=["/dev/sdb"]))),
    ),
    dict(
        id="no-diff-key-without-diff-mode",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=VG_SDB, pvs=PV_SDB,
        writes=[], changed=False,
        no_keys=["diff"],
    ),
    # --- bad devices: refused before anything is written ---------------------------------
    dict(
        id="missing-device",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdz"]),
        calls=[],  # refused before even reading the LVM state
        failed="pvs: device /dev/sdz does not exist",
    ),
    dict(
        id="not-a-block-device",
        params=dict(vg=VG, pvs=["/etc/passwd"]),
        calls=[],
        failed="pvs: /etc/passwd is not a block device",
    ),
    dict(
        id="empty-device-path",
        params=dict(vg=VG, pvs=["/dev/sdb", ""]),
        calls=[],
        failed="pvs: an empty device path was given",
    ),
    dict(
        id="ext4-signature-refused",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": EXT4},
        failed="pvs: /dev/sdb holds a ext4 signature; wipe it (wipefs -a) or set force=true",
    ),
    dict(
        id="ext4-signature-refused-in-check-mode-too",
        params=dict(vg=VG, pvs=["/dev/sdb"]), check_mode=True,
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": EXT4},
        failed="holds a ext4 signature",
    ),
    dict(
        id="ext4-signature-accepted-with-force",
        params=dict(vg=VG, pvs=["/dev/sdb"], force=True),
        vgs=[NO_VG, VG_SDB], pvs=[NO_PV, PV_SDB], blkid={"/dev/sdb": EXT4},
        writes=[["/sbin/pvcreate", "-y", "-ff", "/dev/sdb"],
                ["/sbin/vgcreate", VG, "/dev/sdb"]],
        changed=True,
        result=dict(commands=["pvcreate -y -ff /dev/sdb", "vgcreate cinder-volumes /dev/sdb"]),
    ),
    dict(
        id="partition-table-refused",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": GPT},
        failed="pvs: /dev/sdb holds a partition table (gpt) signature",
    ),
    dict(
        id="extend-with-an-ext4-device-refused",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"]),
        vgs=VG_SDB, pvs=PV_SDB, blkid={"/dev/sdc": (0, "DEVNAME=/dev/sdc\nTYPE=ext4\n")},
        failed="pvs: /dev/sdc holds a ext4 signature",
    ),
    dict(
        id="device-in-another-vg-refused",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"]),
        vgs=VG_SDB + VG_OTHER, pvs=PV_SDB_SDC_OTHER,
        failed="pvs: /dev/sdc belongs to volume group other; remove it there (vgreduce) or set force=true",
    ),
    dict(
        id="device-in-another-vg-accepted-with-force",
        params=dict(vg=VG, pvs=["/dev/sdb", "/dev/sdc"], force=True),
        vgs=[VG_SDB + VG_OTHER, VG_SDB_SDC], pvs=[PV_SDB_SDC_OTHER, PV_SDB_SDC],
        writes=[["/sbin/pvcreate", "-y", "-ff", "/dev/sdc"],
                ["/sbin/vgextend", VG, "/dev/sdc"]],
        changed=True,
        result=dict(pvs=["/dev/sdb", "/dev/sdc"]),
    ),
    dict(
        id="reduce-pv-holding-extents-refused",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC_USED,
        failed="pvs: /dev/sdc holds allocated extents of cinder-volumes; move them with pvmove",
    ),
    dict(
        id="reduce-pv-holding-extents-refused-even-with-force",
        params=dict(vg=VG, pvs=["/dev/sdb"], force=True),
        vgs=VG_SDB_SDC, pvs=PV_SDB_SDC_USED,
        failed="pvs: /dev/sdc holds allocated extents",
    ),
    dict(
        id="remove-vg-with-lvs-refused",
        params=dict(vg=VG, state="absent"),
        vgs=VG_SDB_SDC_LVS, pvs=PV_SDB_SDC_LVS,
        failed="volume group cinder-volumes holds 2 logical volume(s); remove them first or set force=true",
    ),
    # --- bad arguments -------------------------------------------------------------------
    dict(
        id="empty-pvs-on-an-existing-group",
        params=dict(vg=VG, pvs=[]),
        vgs=VG_SDB, pvs=PV_SDB,
        failed="pvs must list at least one device for volume group cinder-volumes",
    ),
    dict(
        id="empty-pvs-on-create",
        params=dict(vg=VG, pvs=[]),
        vgs=NO_VG, pvs=NO_PV,
        failed="pvs is required to create volume group cinder-volumes",
    ),
    dict(
        id="missing-pvs-on-create",
        params=dict(vg=VG),
        vgs=VG_OTHER, pvs=f"  /dev/sdc;other;0;{PV}\n  /dev/sdb;;0;{PV}\n",
        failed="pvs is required to create volume group cinder-volumes",
    ),
    dict(
        id="invalid-vg-name",
        params=dict(vg="cinder/volumes", pvs=["/dev/sdb"]),
        calls=[],
        failed="vg 'cinder/volumes' is not a valid volume group name",
    ),
    dict(
        id="invalid-vg-name-leading-dash",
        params=dict(vg="-cinder", pvs=["/dev/sdb"]),
        calls=[],
        failed="vg '-cinder' is not a valid volume group name",
    ),
    dict(
        id="empty-vg-name",
        params=dict(vg="", pvs=["/dev/sdb"]),
        calls=[],
        failed="vg must not be empty",
    ),
    dict(
        id="vg-name-with-trailing-newline",
        params=dict(vg="cinder-volumes\n", pvs=["/dev/sdb"]),
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": BLANK},
        failed="is not a valid volume group name",
    ),
    dict(
        id="invalid-pesize",
        params=dict(vg=VG, pvs=["/dev/sdb"], pesize="4X"),
        calls=[],
        failed="pesize '4X' is not a size such as 4M or 4096k",
    ),
    # --- commands that fail --------------------------------------------------------------
    dict(
        id="vgcreate-fails",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdb"],
                ["/sbin/vgcreate", VG, "/dev/sdb"]],
        write_results={("/sbin/vgcreate", VG, "/dev/sdb"):
                       (1, "", "  A volume group called cinder-volumes already exists.\n")},
        failed="command /sbin/vgcreate cinder-volumes /dev/sdb failed (rc=1): "
               "A volume group called cinder-volumes already exists.",
        result=dict(commands=["pvcreate -y /dev/sdb", "vgcreate cinder-volumes /dev/sdb"]),
    ),
    dict(
        id="pvcreate-fails-and-nothing-runs-after-it",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": BLANK},
        writes=[["/sbin/pvcreate", "-y", "/dev/sdb"]],
        write_results={("/sbin/pvcreate", "-y", "/dev/sdb"):
                       (1, "", "  Cannot use /dev/sdb: device is partitioned\n")},
        failed="(rc=1): Cannot use /dev/sdb: device is partitioned",
        result=dict(commands=["pvcreate -y /dev/sdb"]),
    ),
    dict(
        id="vgs-fails",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        read_results={tuple(VGS): (5, "", "  /run/lock/lvm/P_global:aux: open failed: Permission denied\n")},
        failed="(rc=5): /run/lock/lvm/P_global:aux: open failed: Permission denied",
    ),
    dict(
        id="blkid-fails",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs=NO_VG, pvs=NO_PV, blkid={"/dev/sdb": (8, "")},
        failed="command /sbin/blkid -p -o export /dev/sdb failed (rc=8)",
    ),
    dict(
        id="malformed-vgs-report",
        params=dict(vg=VG, pvs=["/dev/sdb"]),
        vgs="  cinder-volumes;1;0\n", pvs=NO_PV,
        failed="unexpected LVM report line",
    ),
]


def _param(case):
    return pytest.param(case, id=case["id"])


# --- the fakes -------------------------------------------------------------------------------

class ExitJson(Exception):
    def __init__(self, result):
        super().__init__("exit_json")
        self.result = result


class FailJson(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


class FakeHost:
    """run_command of a host whose LVM state the case describes."""

    def __init__(self, case):
        self.answers = {}
        for argv, canned in ((VGS, case.get("vgs", NO_VG)), (PVS, case.get("pvs", NO_PV))):
            outputs = canned if isinstance(canned, list) else [canned]
            self.answers[tuple(argv)] = [(0, out, "") for out in outputs]
        for device, (rc, out) in case.get("blkid", {}).items():
            self.answers[tuple(blkid(device))] = [(rc, out, "")]
        for argv, answer in case.get("read_results", {}).items():
            self.answers[argv] = [answer]
        self.write_results = {tuple(w): (0, "", "") for w in case.get("writes", [])}
        self.write_results.update(case.get("write_results", {}))
        self.calls = []
        self.unexpected = []

    def run_command(self, args, check_rc=True, environ_update=None, **kwargs):
        assert isinstance(args, list), "argv must be a list, got %r" % (args,)
        self.calls.append(list(args))
        if check_rc is not False or environ_update != LVM_ENV:
            self.unexpected.append(("options", args, check_rc, environ_update))
        key = tuple(args)
        if os.path.basename(args[0]) in WRITE_BINARIES:
            answers = [self.write_results[key]] if key in self.write_results else None
        else:
            answers = self.answers.get(key)
        if not answers:
            self.unexpected.append(args)
            raise AssertionError("unexpected command %r" % (args,))
        # Each answer is used once, in order; the last one stays (a report read again).
        return answers.pop(0) if len(answers) > 1 else answers[0]

    @property
    def writes(self):
        return [c for c in self.calls if os.path.basename(c[0]) in WRITE_BINARIES]

    def unused_answers(self):
        return {k: v for k, v in self.answers.items() if len(v) > 1}


def _kind(path):
    kind = FILESYSTEM.get(path)
    if isinstance(kind, tuple):
        return _kind(kind[1])
    return kind


@pytest.fixture
def fake_filesystem(monkeypatch):
    """/dev paths exist only as FILESYSTEM says; other paths are the real ones (ansible reads some)."""
    real_exists, real_realpath, real_stat = os.path.exists, os.path.realpath, os.stat

    def exists(path):
        if path in FILESYSTEM:
            return _kind(path) is not None
        if str(path).startswith("/dev/"):
            return False
        return real_exists(path)

    def realpath(path, *args, **kwargs):
        kind = FILESYSTEM.get(path)
        if isinstance(kind, tuple):
            return realpath(kind[1])
        if kind or str(path).startswith("/dev/"):
            return path
        return real_realpath(path, *args, **kwargs)

    def fake_stat(path, *args, **kwargs):
        kind = _kind(path)
        if kind == "block":
            return os.stat_result((stat.S_IFBLK | 0o660, 0, 5, 1, 0, 6, 0, 0, 0, 0))
        if kind == "file":
            return os.stat_result((stat.S_IFREG | 0o644, 0, 2049, 1, 0, 0, 1800, 0, 0, 0))
        if str(path).startswith("/dev/"):
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_stat(path, *args, **kwargs)

    # lvm_vg.os is the os module: what the module sees is what everything sees during the test.
    monkeypatch.setattr(lvm_vg.os.path, "exists", exists)
    monkeypatch.setattr(lvm_vg.os.path, "realpath", realpath)
    monkeypatch.setattr(lvm_vg.os, "stat", fake_stat)


def run_module(monkeypatch, case):
    host = FakeHost(case)

    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        raise FailJson(kwargs)

    def get_bin_path(self, arg, required=False, opt_dirs=None):
        return "/sbin/" + arg

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(basic.AnsibleModule, "run_command",
                        lambda self, args, **kwargs: host.run_command(args, **kwargs))

    args = dict(case["params"])
    args["_ansible_check_mode"] = case.get("check_mode", False)
    args["_ansible_diff"] = case.get("diff", False)
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as info:
            lvm_vg.main()
    return host, isinstance(info.value, FailJson), info.value.result


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_lvm_vg(monkeypatch, fake_filesystem, case):
    host, failed, result = run_module(monkeypatch, case)

    assert host.unexpected == []
    assert host.writes == case.get("writes", [])
    if "calls" in case:
        assert host.calls == case["calls"]
    if case.get("failed"):
        assert failed, "the module succeeded: %r" % (result,)
        assert case["failed"] in result["msg"]
        if "write_results" not in case:
            # A refused input: nothing at all was written.
            assert host.writes == []
    else:
        assert not failed, result.get("msg")
        assert result["changed"] is case["changed"]
        assert host.unused_answers() == {}  # the report is read again after a real change
    if case.get("check_mode"):
        assert host.writes == []
    for key, value in case.get("result", {}).items():
        assert result[key] == value, key
    for key in case.get("no_keys", []):
        assert key not in result


def test_cases_are_well_formed():
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert ("failed" in case) != ("changed" in case), case["id"]  # one expected outcome
        assert "writes" in case or "failed" in case, case["id"]       # a success says what it writes


@pytest.mark.parametrize("case", [c for c in CASES if not c.get("failed") and not c.get("check_mode")],
                         ids=lambda c: c["id"])
def test_check_mode_runs_no_write_and_predicts_the_commands(monkeypatch, fake_filesystem, case):
    """Every successful case, replayed in check mode: the same commands, reported, none run."""
    _host, _failed, real_result = run_module(monkeypatch, case)
    check_case = dict(case, check_mode=True, writes=[], vgs=_first(case.get("vgs")), pvs=_first(case.get("pvs")))
    host, failed, result = run_module(monkeypatch, check_case)
    assert not failed, result.get("msg")
    assert host.writes == []
    assert host.unexpected == []
    assert result["commands"] == real_result["commands"]
    assert result["changed"] is real_result["changed"]
    assert result["pvs"] == real_result["pvs"]


def _first(outputs):
    if isinstance(outputs, list):
        return outputs[0]
    return NO_VG if outputs is None else outputs
